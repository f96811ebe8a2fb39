"""Reading dossier codes from camera frames and image files (zxing-cpp and zbar-py).

:class:`Decoder` finds QR, Code 128 and Code 39 symbols in a frame, trying a few cheap
preprocessing passes; :class:`Reading` says what was read and, through
:meth:`Reading.interpret`, which dossier code it carries; :class:`RepeatFilter` drops the same
code seen again within a few seconds, as happens when a receipt stays in front of the camera.
"""

from hardware.barcode._decode import Decoder, Gray, Reading, Symbology, to_gray
from hardware.barcode._repeat import RepeatFilter

__all__ = ["Decoder", "Gray", "Reading", "RepeatFilter", "Symbology", "to_gray"]
