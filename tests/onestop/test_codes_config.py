"""``[codes]``: the code families a unit reads, checked when the configuration is loaded."""

from pathlib import Path

import pytest

from dossier import CodeError, CodeQuery, DossierCode, Problem, parse_query
from onestop.config import Config, ConfigError, dump_config, load_config


def test_every_built_in_family_by_default() -> None:
    families = Config().codes.code_families()
    assert families.names == ("national", "national_short", "opencps", "opencps_id")


def test_a_deployment_narrows_and_extends_the_families(tmp_path: Path) -> None:
    path = tmp_path / "onestop.conf"
    path.write_text(
        "[codes]\nfamilies = National, opencps\ncustom.permits = GP(?P<agency>H[0-9]{2})[0-9]{6}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    families = config.codes.code_families()
    assert families.names == ("national", "opencps", "custom.permits")
    assert parse_query("HS GPH30123456 7K2P", families=families) == CodeQuery(
        DossierCode("custom.permits", "GPH30123456", "H30"), "7K2P"
    )
    with pytest.raises(CodeError) as caught:
        parse_query("G22.99.09-240114-0001", families=families)
    assert caught.value.problem is Problem.FAMILY  # a receipt of another system: say so
    assert "custom.permits = GP(?P<agency>H[0-9]{2})[0-9]{6}" in dump_config(config)


def test_bad_families_are_named_with_their_key(tmp_path: Path) -> None:
    path = tmp_path / "onestop.conf"
    path.write_text(
        "[codes]\nfamilies = national, opencsp\ncustom.broken = GP[0-9\ncustom.any = .*\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "[codes] families: 'opencsp' is not a code family; did you mean 'opencps'?",
        "[codes] custom.broken: not a regular expression: unterminated character set at position 2",
        "[codes] custom.any: matches an empty word, so any word would be a code",
    ]
    path.write_text("[codes]\nfamilies =\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no code family is enabled"):
        load_config(path)
