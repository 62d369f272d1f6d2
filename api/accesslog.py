"""Access logs without query strings: /api/search?q=… carries names and ID numbers, /api/lookup a home's
coordinates, exports a reason. The path is logged, the query never (uvicorn's access logger)."""
import logging


class DropQueryString(logging.Filter):
    """Rewrites uvicorn access records (client, method, path?query, version, status) to path only."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def install_access_log_filter() -> None:
    """Attach the filter once to uvicorn's access logger."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropQueryString) for f in logger.filters):
        logger.addFilter(DropQueryString())
