"""One configuration loader: --set over the environment over defaults, validated with the key named."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from govcheck import config
from govcheck.cli import main


def test_defaults_environment_and_set_in_that_order() -> None:
    assert config.load(environ={})["GOVCHECK_DATABASE_URL"] == "sqlite:///./var/govcheck.db"
    environ = {
        "GOVCHECK_HOMEPAGE_ATTEMPTS": "5",
        "GOVCHECK_LINK_CHECK": "false",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    loaded = config.load(environ=environ)
    assert (loaded["GOVCHECK_HOMEPAGE_ATTEMPTS"], loaded["GOVCHECK_LINK_CHECK"], loaded["REDIS_URL"]) == (
        5,
        False,
        "redis://127.0.0.1:6379/0",
    )
    assert config.load(["GOVCHECK_HOMEPAGE_ATTEMPTS=2"], environ=environ)["GOVCHECK_HOMEPAGE_ATTEMPTS"] == 2


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("GOVCHECK_HOMEPAGE_ATTEMPTS=zero", "GOVCHECK_HOMEPAGE_ATTEMPTS: invalid literal"),
        ("GOVCHECK_HOMEPAGE_ATTEMPTS=0", "GOVCHECK_HOMEPAGE_ATTEMPTS: must be positive"),
        ("GOVCHECK_LINK_CHECK=maybe", "GOVCHECK_LINK_CHECK: expected true/false"),
        (
            "GOVCHECK_DATABASE_URL=postgresql://u@h/db",
            r"GOVCHECK_DATABASE_URL: write postgresql\+psycopg2://",
        ),
        ("GOVCHECK_DATABASE_URL=mysql://u@h/db", "GOVCHECK_DATABASE_URL: unsupported database scheme"),
        ("GOVCHECK_POLITENESS=rude", "GOVCHECK_POLITENESS: expected one of default, strict"),
        ("GOVCHECK_NO_SUCH_THING=1", "GOVCHECK_NO_SUCH_THING: unknown setting"),
        ("GOVCHECK_HOMEPAGE_ATTEMPTS", "expected KEY=VALUE"),
    ],
)
def test_bad_values_name_their_key(pair: str, message: str) -> None:
    with pytest.raises(config.ConfigError, match=message):
        config.load([pair], environ={})


def test_as_of_arguments() -> None:
    assert config.parse_as_of("2024-02-28") == dt.date(2024, 2, 28)
    assert config.parse_as_of(None) is None
    with pytest.raises(config.ConfigError, match="as_of: expected YYYY-MM-DD, got '28/02/2024'"):
        config.parse_as_of("28/02/2024")


# -- the settings table and README ------------------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- settings:start -->\n", "<!-- settings:end -->\n"


def test_readme_settings_table_is_the_generated_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings", "--format", "markdown"]) == 0
    generated = capsys.readouterr().out
    text = README.read_text(encoding="utf-8")
    block = text[text.index(START) + len(START) : text.index(END)]
    assert block == generated, (
        "README.md's settings table differs from govcheck/config.py: paste the output of "
        "`govcheck settings --format markdown` between the settings:start/end markers"
    )
    assert all(f"| `{setting.name}` |" in block for setting in config.SETTINGS)


def test_settings_table_is_alphabetical_with_enabling_flags_first() -> None:
    """Scrapy's rule for default_settings: alphabetical (by words), a group's enabling flag first."""

    def order(setting: config.Setting) -> tuple[str, bool, list[str]]:
        words = setting.name.removeprefix("GOVCHECK_").split("_")
        return words[0], not isinstance(setting.default, bool), words

    names = [setting.name for setting in config.SETTINGS]
    assert names == [setting.name for setting in sorted(config.SETTINGS, key=order)]
    assert names.index("GOVCHECK_CLUSTER_POLITENESS") < names.index("GOVCHECK_CLUSTER_BACKEND_CONCURRENCY")


def test_markdown_cells_stay_cells() -> None:
    """A doc's '|' cannot split its row and a '<round>' outside a code span is not read as HTML."""
    row = next(line for line in config.markdown_table().splitlines() if "GOVCHECK_REDIS_PREFIX" in line)
    assert "`govcheck:<round>:…`" in row
    for line in config.markdown_table().splitlines():
        assert len(re.findall(r"(?<!\\)\|", line)) == 4, line
