"""Residents' personal data: what is stored about one (export), its erasure on request, the
retention that erases it by itself, and the record of every staff member who saw a number.

A domain beside cases and notifications: it reads and changes their tables (and intake's
conversation state, tables only) and is used by the chat, the CLI, the console and the
staff API alike, so each rule is written once.
"""
