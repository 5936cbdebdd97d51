"""communet command-line interface (for provincial IT and technicians on site)."""
