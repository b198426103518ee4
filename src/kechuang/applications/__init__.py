"""Applications and expert review for 申报 policies: apply, formal review, expert panels,
decision, certificates and milestone payments (issue 17)."""
