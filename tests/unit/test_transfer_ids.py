"""Transfer ids are time-ordered (UUIDv7), so the indexes keyed by them grow at one edge."""

import time
from datetime import UTC, datetime

from core_ledger.models.transfer import new_transfer_id


def _milliseconds(transfer_id: str) -> int:
    return int(transfer_id.replace("-", "")[:12], 16)


def test_a_transfer_id_is_a_uuid7_of_its_creation_time() -> None:
    before = int(datetime.now(UTC).timestamp() * 1000)
    transfer_id = new_transfer_id()
    after = int(datetime.now(UTC).timestamp() * 1000)
    assert transfer_id.version == 7
    assert before <= _milliseconds(str(transfer_id)) <= after


def test_later_transfer_ids_sort_after_earlier_ones() -> None:
    earlier = [new_transfer_id() for _ in range(100)]
    time.sleep(0.002)
    later = new_transfer_id()
    assert all(str(transfer_id) < str(later) for transfer_id in earlier)
    assert len(set(earlier)) == len(earlier)
