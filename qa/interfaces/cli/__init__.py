"""The hoidap command line: argument parsing (main), the commands, and ask."""
