"""The public portal at `/`: the policy library, the city's headline figures and a self-check
(政策计算器) that anyone may use without logging in; nothing it is given is stored."""
