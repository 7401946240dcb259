"""Editing's core: what each model takes, and making a member's picture one it accepts."""
