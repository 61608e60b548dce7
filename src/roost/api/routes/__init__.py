"""One router per core area."""
