"""README.md and its Simplified Chinese twin README.zh-CN.md say the same things: the same
sections, every environment variable and slash command, the same code, and each links the
other. A change to one that is not made to the other fails here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ENGLISH = "README.md"
CHINESE = "README.zh-CN.md"

# A fence opens with ``` or ~~~ (possibly indented, inside a list item) and an info string.
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
SHELL_LANGUAGES = frozenset({"sh", "bash", "shell", "console", "zsh"})
# A shell comment: a # at the start of a line or after a blank, to the end of the line.
SHELL_COMMENT = re.compile(r"(?:^|\s)#.*$")
# `NAME` or `NAME=value`: an environment variable written in backticks.
ENV_VARIABLE = re.compile(r"`([A-Z][A-Z0-9_]{2,})(?==|`)")
SLASH_COMMAND = re.compile(r"/imagine(?:-[a-z]+)*")
# A whole command in backticks, with its subcommand or options: `/imagine-history show`.
BACKTICKED_COMMAND = re.compile(r"`(/imagine[^`]*)`")


@dataclass(frozen=True, slots=True)
class CodeBlock:
    info: str
    lines: tuple[str, ...]

    @property
    def is_shell(self) -> bool:
        return bool(self.info) and self.info.split()[0].lower() in SHELL_LANGUAGES

    def compared(self) -> tuple[str, ...]:
        """What must match in both READMEs: shell blocks without their comments."""
        if not self.is_shell:
            return self.lines
        return tuple(SHELL_COMMENT.sub("", line).rstrip() for line in self.lines)


@dataclass(frozen=True, slots=True)
class Readme:
    prose: str  # the text outside code blocks
    blocks: tuple[CodeBlock, ...]


def read(name: str) -> Readme:
    prose: list[str] = []
    blocks: list[CodeBlock] = []
    opening: re.Match[str] | None = None
    body: list[str] = []
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        fence = FENCE.match(line)
        if opening is None:
            if fence:
                opening, body = fence, []
            else:
                prose.append(line)
        elif (
            fence
            and not fence["info"].strip()
            and fence["fence"][0] == opening["fence"][0]
            and len(fence["fence"]) >= len(opening["fence"])
        ):
            blocks.append(CodeBlock(opening["info"].strip(), tuple(body)))
            opening = None
        else:
            body.append(line)
    assert opening is None, f"{name}: a code block is never closed"
    return Readme("\n".join(prose), tuple(blocks))


def headings(readme: Readme, level: int) -> list[str]:
    marker = "#" * level + " "
    return [line for line in readme.prose.splitlines() if line.startswith(marker)]


def test_both_have_the_same_sections() -> None:
    english, chinese = read(ENGLISH), read(CHINESE)
    for level in (2, 3):
        ours, theirs = headings(english, level), headings(chinese, level)
        assert ours, f"{ENGLISH} has no level-{level} headings"
        assert len(ours) == len(theirs), (
            f"{ENGLISH} has {len(ours)} {'#' * level} headings, {CHINESE} {len(theirs)}: "
            f"{ours} / {theirs}"
        )


def test_every_environment_variable_is_in_the_chinese_readme() -> None:
    english, chinese = read(ENGLISH), (ROOT / CHINESE).read_text(encoding="utf-8")
    names = set(ENV_VARIABLE.findall(english.prose))
    assert {"DISCORD_TOKEN", "DASHSCOPE_API_KEY", "DASHSCOPE_REGION"} <= names
    missing = sorted(name for name in names if name not in chinese)
    assert not missing, f"{CHINESE} does not mention {missing}"


def test_every_slash_command_is_in_the_chinese_readme() -> None:
    english, chinese = read(ENGLISH), read(CHINESE)
    commands = set(SLASH_COMMAND.findall(english.prose))
    assert {"/imagine", "/imagine-edit", "/imagine-settings"} <= commands
    missing = sorted(command for command in commands if command not in chinese.prose)
    assert not missing, f"{CHINESE} does not mention {missing}"
    # The commands with their subcommands and options are written the same way in both.
    written = set(BACKTICKED_COMMAND.findall(english.prose))
    missing = sorted(command for command in written if f"`{command}`" not in chinese.prose)
    assert not missing, f"{CHINESE} does not write {missing}"


def test_each_readme_links_the_other() -> None:
    english, chinese = read(ENGLISH), read(CHINESE)
    assert f"]({CHINESE})" in english.prose, f"{ENGLISH} does not link {CHINESE}"
    assert f"]({ENGLISH})" in chinese.prose, f"{CHINESE} does not link {ENGLISH}"


def test_the_code_blocks_are_the_same_in_both() -> None:
    english, chinese = read(ENGLISH), read(CHINESE)
    assert english.blocks, f"{ENGLISH} has no code blocks"
    assert [block.info for block in english.blocks] == [block.info for block in chinese.blocks]
    for number, (ours, theirs) in enumerate(zip(english.blocks, chinese.blocks, strict=True), 1):
        assert ours.compared() == theirs.compared(), (
            f"code block {number} ({ours.info or 'plain'}) differs between {ENGLISH} and {CHINESE}"
        )
