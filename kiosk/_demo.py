"""The demo: the reference status API in-process and sample receipts before a played-back camera.

Demo dossier codes carry dates relative to today, so the receipts are rendered when the demo
starts, from the very records the demo API serves.
"""

from __future__ import annotations

import random

import numpy as np

from dossier import Dossier, Status
from hardware.camera import Pixels, PlaybackSource
from hardware.receipts import Barcode, Conditions, ReceiptFields, Target, photograph, render_receipt
from onestop.demo_api import DemoStatusServer, bundled_records
from onestop.links import portal_link

SHOWN_STATUSES = (
    Status.PROCESSING,
    Status.RESULT_READY,
    Status.SUPPLEMENT_REQUIRED,
    Status.RECEIVED,
    Status.DELIVERED,
)


def start_demo_api() -> DemoStatusServer:
    """The bundled demo dossiers, served on a free loopback port from a background thread."""
    return DemoStatusServer(bundled_records(), port=0).start()


def sample_dossiers(server: DemoStatusServer) -> list[Dossier]:
    """One dossier per interesting status (overdue ones first), for the demo receipts."""
    records = [record.dossier for record in server.records.values()]
    chosen: list[Dossier] = []
    for status in SHOWN_STATUSES:
        matching = [dossier for dossier in records if dossier.status is status]
        matching.sort(key=lambda dossier: dossier.code)
        if matching:
            chosen.append(matching[0])
    return chosen


def receipt_photo(
    dossier: Dossier, *, lookup_url: str, seed: int, size: tuple[int, int] = (640, 480)
) -> Pixels:
    """A fair photo of a receipt for ``dossier``: QR code (a lookup link or the bare code)."""
    rng = random.Random(seed)  # noqa: S311 -- picture geometry for a demo, not a secret
    payload = portal_link(lookup_url, dossier.code) if seed % 2 == 0 else dossier.code
    barcode = Barcode.CODE128 if seed % 2 == 0 else Barcode.CODE39
    receipt = render_receipt(
        ReceiptFields.from_dossier(dossier), qr_payload=payload, barcode=barcode
    )
    conditions = Conditions(
        rotation=rng.uniform(-12, 12),
        code_width=rng.uniform(0.3, 0.4),
        offset=(rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05)),
        noise=3.0,
        seed=seed,
    )
    return np.asarray(photograph(receipt, conditions, target=Target.QR, size=size))


def demo_camera(server: DemoStatusServer, *, lookup_url: str) -> PlaybackSource:
    pictures = [
        receipt_photo(dossier, lookup_url=lookup_url, seed=index)
        for index, dossier in enumerate(sample_dossiers(server))
    ]
    return PlaybackSource(pictures)
