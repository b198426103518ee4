"""Pure value types and validators shared by every layer. No I/O, no imports from above."""
