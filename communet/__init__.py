"""communet: provision and monitor the network of Vietnamese local government."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("communet")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
