from __future__ import annotations

import pytest

from imagecore.storage import Storage, StorageUnavailable


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:s3cr/etpass@127.0.0.1:1/db",
        "postgresql://bot:pa%2Fss-word1@127.0.0.1:1/db",
    ],
)
async def test_a_database_password_never_shows_in_the_error(url, caplog):
    with pytest.raises(StorageUnavailable) as caught:
        await Storage.open(url, io_timeout=2)
    text = str(caught.value) + caplog.text
    for fragment in ("s3cr", "etpass", "pa%2Fss", "pa/ss"):
        assert fragment not in text
