"""``python -m summarizer``: the same as the ``summarizer`` command."""

from summarizer._cli import main

main()
