"""What the commands share for talking to the user: errors they can fix, JSON on stdout.

>>> print_json({"câu": "Hà Nội"})
{
  "câu": "Hà Nội"
}
"""

from __future__ import annotations

import json
import sys


class UserError(RuntimeError):
    """An error the user can fix; printed without a traceback."""


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
