"""communet: provision and monitor the network of Vietnamese local government."""


def __getattr__(name: str) -> str:
    # Looked up on demand: importlib.metadata costs ~50 ms, paid by every import of communet
    # (the Ansible inventory plugin's included), while only ``--version`` needs it.
    if name != "__version__":
        raise AttributeError(f"module 'communet' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("communet")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"
