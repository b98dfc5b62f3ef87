"""What every package of the house shares, with no Pelican in it.

Feature plugins depend on `publishing`, and `publishing` on this package; this
package depends on none of them, nor on Pelican, so the CLI, the tests and a
web service can use it without loading a site:
- `Problem` (problems.py): a file, a line and a French message, the one shape
  in which anything wrong with the author's material is reported;
- `write_atomic` (files.py): the old file or the new one, never half of either;
- `read_header` (headers.py): the `Key: value` lines at the top of a source,
  read as Pelican's Markdown reader reads them;
- `inert` and `safe_url` (terminal.py, text.py): text written by strangers,
  made safe to print or to put in an attribute; `strings`, every string of a
  nested settings or metadata value; `plural` and `number_fr`, counts said in French;
- `reason` (reasons.py): why a library could not read a file, in French.
"""

from .files import write_atomic
from .headers import Field, Header, read_header, read_header_file, read_rst_header, read_source_header
from .problems import Problem, ProblemError
from .terminal import inert
from .reasons import reason
from .text import number_fr, plural, safe_url, strings

__all__ = ["Field", "Header", "Problem", "ProblemError", "inert", "number_fr", "plural", "read_header", "reason",
           "read_header_file", "safe_url", "strings", "write_atomic"]
