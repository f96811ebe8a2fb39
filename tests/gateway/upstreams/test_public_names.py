import pytest

import gateway.sims
import gateway.upstreams


@pytest.mark.parametrize("module", [gateway.upstreams, gateway.sims])
def test_public_names_exist(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(module, name) for name in names)
