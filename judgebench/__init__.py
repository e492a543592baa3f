"""judgebench: how well do LLM judges rate depression severity, in every language?

The public facade. Submodules import their heavy dependencies lazily, so importing
``judgebench`` (and running ``judgebench --help``) stays fast.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
