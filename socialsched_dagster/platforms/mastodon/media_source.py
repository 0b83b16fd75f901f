"""The old import path of the stand-in media file (bench/ceiling_calls/stand_ins.py still uses
it); downloads and stand-ins are media_download.py's."""

from ..media_download import stand_in_file as synthetic

__all__ = ["synthetic"]
