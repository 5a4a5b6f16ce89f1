"""``python -m journeylog.cli``: the journeylog command."""

from journeylog.cli import main

if __name__ == "__main__":
    main()
