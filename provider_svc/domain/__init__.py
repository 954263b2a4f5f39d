"""The provider workstation's domain: pure data and rules, no I/O, time passed in."""
