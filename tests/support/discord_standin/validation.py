"""Discord's documented limits for messages and application commands.

Everything here feeds a ``FormErrors`` so one bad request yields the same nested
``{"code": 50035, "errors": {...}}`` body Discord would send, which discord.py surfaces
as ``HTTPException.text``/``.code``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from .errors import FormErrors, bad_length, max_length
from .models import FLAG_IS_COMPONENTS_V2

Path = Sequence[str | int]

CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_CHARS = 6000
ATTACHMENTS_PER_MESSAGE = 10
CUSTOM_ID_LIMIT = 100
ACTION_ROWS_LIMIT = 5

# --------------------------------------------------------------------------- messages


def _check_url(errors: FormErrors, path: Path, value: Any) -> None:
    if not isinstance(value, str) or not value:
        errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")
        return
    scheme = urlparse(value).scheme
    if scheme not in ("http", "https", "attachment"):
        errors.add(
            path,
            "URL_TYPE_INVALID_SCHEME",
            f"Scheme \"{scheme}\" is not supported. Scheme must be one of ('http', 'https').",
        )


def _check_str(errors: FormErrors, path: Path, value: Any, limit: int, *, required: bool) -> int:
    """Validate one embed string; returns its length for the 6000-character total."""
    if value is None:
        if required:
            errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return 0
    if not isinstance(value, str):
        errors.add(path, "BASE_TYPE_STRING", "Must be a string.")
        return 0
    if required and not value.strip():
        errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")
    if len(value) > limit:
        max_length(errors, path, limit)
    return len(value)


def validate_embed(errors: FormErrors, path: Path, embed: Any) -> int:
    if not isinstance(embed, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return 0
    total = _check_str(errors, [*path, "title"], embed.get("title"), 256, required=False)
    total += _check_str(
        errors, [*path, "description"], embed.get("description"), 4096, required=False
    )
    if embed.get("url") is not None:
        _check_url(errors, [*path, "url"], embed["url"])
    color = embed.get("color")
    if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
        errors.add([*path, "color"], "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    for key in ("image", "thumbnail"):
        part = embed.get(key)
        if isinstance(part, dict):
            _check_url(errors, [*path, key, "url"], part.get("url"))
    footer = embed.get("footer")
    if isinstance(footer, dict):
        total += _check_str(
            errors, [*path, "footer", "text"], footer.get("text"), 2048, required=True
        )
        if footer.get("icon_url") is not None:
            _check_url(errors, [*path, "footer", "icon_url"], footer["icon_url"])
    author = embed.get("author")
    if isinstance(author, dict):
        total += _check_str(
            errors, [*path, "author", "name"], author.get("name"), 256, required=True
        )
        for key in ("url", "icon_url"):
            if author.get(key) is not None:
                _check_url(errors, [*path, "author", key], author[key])
    fields = embed.get("fields") or []
    if len(fields) > 25:
        max_length(errors, [*path, "fields"], 25)
    for index, fld in enumerate(fields):
        fpath = [*path, "fields", index]
        if not isinstance(fld, dict):
            errors.add(fpath, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        total += _check_str(errors, [*fpath, "name"], fld.get("name"), 256, required=True)
        total += _check_str(errors, [*fpath, "value"], fld.get("value"), 1024, required=True)
    return total


def _validate_components(errors: FormErrors, components: Any, *, v2: bool) -> None:
    if not isinstance(components, list):
        errors.add(["components"], "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if not v2 and len(components) > ACTION_ROWS_LIMIT:
        max_length(errors, ["components"], ACTION_ROWS_LIMIT)
    seen: set[str] = set()

    def walk(node: Any, path: list[str | int]) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, [*path, index])
            return
        if not isinstance(node, dict):
            return
        ctype = node.get("type")
        if not v2 and path and len(path) == 2 and ctype != 1:
            # Legacy messages: only action rows at the top level.
            errors.add([*path, "type"], "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Invalid component")
        custom_id = node.get("custom_id")
        if custom_id is not None:
            if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= CUSTOM_ID_LIMIT:
                bad_length(errors, [*path, "custom_id"], 1, CUSTOM_ID_LIMIT)
            elif custom_id in seen:
                errors.add(
                    [*path, "custom_id"],
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            else:
                seen.add(custom_id)
        if ctype == 2:  # button
            if node.get("style") == 5:
                _check_url(errors, [*path, "url"], node.get("url"))
            elif node.get("style") != 6 and custom_id is None:
                errors.add([*path, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required")
            label = node.get("label")
            if isinstance(label, str) and len(label) > 80:
                max_length(errors, [*path, "label"], 80)
        if ctype == 1 and len(node.get("components") or []) > 5:
            max_length(errors, [*path, "components"], 5)
        for key in ("components", "accessory", "component"):
            if key in node:
                walk(node[key], [*path, key])

    walk(components, ["components"])


def validate_message(
    data: dict[str, Any],
    *,
    errors: FormErrors,
    attachment_count: int,
    effective_flags: int | None = None,
) -> None:
    """Validate the message fields present in a create/edit body."""
    flags = data.get("flags") if effective_flags is None else effective_flags
    v2 = bool((flags or 0) & FLAG_IS_COMPONENTS_V2)
    content = data.get("content")
    if content is not None:
        if not isinstance(content, str):
            errors.add(["content"], "BASE_TYPE_STRING", "Must be a string.")
        elif len(content) > CONTENT_LIMIT:
            max_length(errors, ["content"], CONTENT_LIMIT)
        elif v2 and content:
            errors.add(
                ["content"],
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
    embeds = data.get("embeds")
    if embeds is not None:
        if not isinstance(embeds, list):
            errors.add(["embeds"], "BASE_TYPE_ARRAY", "Must be an array.")
        elif len(embeds) > EMBEDS_PER_MESSAGE:
            max_length(errors, ["embeds"], EMBEDS_PER_MESSAGE)
        else:
            if v2 and embeds:
                errors.add(
                    ["embeds"],
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
                )
            total = sum(validate_embed(errors, ["embeds", i], e) for i, e in enumerate(embeds))
            if total > EMBED_TOTAL_CHARS:
                errors.add(
                    ["embeds"],
                    "MAX_EMBED_SIZE_EXCEEDED",
                    f"Embed size exceeds maximum size of {EMBED_TOTAL_CHARS}",
                )
    if data.get("components") is not None:
        _validate_components(errors, data["components"], v2=v2)
    allowed = data.get("allowed_mentions")
    if allowed is not None:
        _validate_allowed_mentions(errors, allowed)
    if attachment_count > ATTACHMENTS_PER_MESSAGE:
        max_length(errors, ["attachments"], ATTACHMENTS_PER_MESSAGE)


def _validate_allowed_mentions(errors: FormErrors, allowed: Any) -> None:
    if not isinstance(allowed, dict):
        errors.add(["allowed_mentions"], "MODEL_TYPE_CONVERT", "Only dictionaries may be used")
        return
    parse = allowed.get("parse") or []
    for index, value in enumerate(parse):
        if value not in ("users", "roles", "everyone"):
            errors.add(
                ["allowed_mentions", "parse", index],
                "BASE_TYPE_CHOICES",
                "Value must be one of {'users', 'roles', 'everyone'}.",
            )
    for key in ("users", "roles"):
        if key in parse and allowed.get(key):
            # A classic bug: allowing a type wholesale *and* listing ids is rejected.
            errors.add(
                ["allowed_mentions", key],
                "ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{key}"] and {key}: [ids...] are mutually exclusive.',
            )
        if len(allowed.get(key) or []) > 100:
            max_length(errors, ["allowed_mentions", key], 100)


# --------------------------------------------------------------------------- commands

CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
OPT_STRING, OPT_INTEGER, OPT_BOOLEAN, OPT_USER, OPT_CHANNEL = 3, 4, 5, 6, 7
OPT_ROLE, OPT_MENTIONABLE, OPT_NUMBER, OPT_ATTACHMENT = 8, 9, 10, 11
VALUE_OPTION_TYPES = {3, 4, 5, 6, 7, 8, 9, 10, 11}
MAX_SAFE_INTEGER = 2**53

COMMANDS_PER_TYPE_LIMIT = {CHAT_INPUT: 100, USER_COMMAND: 15, MESSAGE_COMMAND: 15}
COMMAND_TOTAL_CHARS = 4000


def valid_chat_input_name(name: Any) -> bool:
    """Discord's ``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase where possible.

    Python's ``re`` has no ``\\p{..}`` classes, so check the categories directly.
    """
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    for char in name:
        if char in "-_":
            continue
        category = unicodedata.category(char)
        if not category.startswith(("L", "N", "M")):
            return False
        if char.lower() != char:
            return False
    return True


def _option_chars(option: dict[str, Any]) -> int:
    total = len(str(option.get("name") or "")) + len(str(option.get("description") or ""))
    for choice in option.get("choices") or []:
        total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    for child in option.get("options") or []:
        total += _option_chars(child)
    return total


def _validate_choices(errors: FormErrors, path: Path, option: dict[str, Any]) -> None:
    choices = option.get("choices")
    if not choices:
        return
    otype = option.get("type")
    if otype not in (OPT_STRING, OPT_INTEGER, OPT_NUMBER):
        errors.add([*path, "choices"], "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Invalid")
        return
    if option.get("autocomplete"):
        errors.add(
            [*path, "autocomplete"],
            "APPLICATION_COMMAND_OPTION_CHOICES_WITH_AUTOCOMPLETE",
            "Autocomplete cannot be set if choices are present.",
        )
    if len(choices) > 25:
        max_length(errors, [*path, "choices"], 25)
    for index, choice in enumerate(choices):
        cpath = [*path, "choices", index]
        name = choice.get("name") if isinstance(choice, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            bad_length(errors, [*cpath, "name"], 1, 100)
        value = choice.get("value") if isinstance(choice, dict) else None
        if otype == OPT_STRING:
            if not isinstance(value, str) or len(value) > 100:
                bad_length(errors, [*cpath, "value"], 1, 100)
        elif otype == OPT_INTEGER:
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or abs(value) > MAX_SAFE_INTEGER
            ):
                errors.add([*cpath, "value"], "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
        elif not isinstance(value, int | float) or isinstance(value, bool):
            errors.add([*cpath, "value"], "NUMBER_TYPE_COERCE", f'Value "{value}" is not a number.')


def _validate_option(
    errors: FormErrors, path: Path, option: Any, *, depth: int, parent_type: int
) -> None:
    if not isinstance(option, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    otype = option.get("type")
    if otype not in (SUB_COMMAND, SUB_COMMAND_GROUP, *VALUE_OPTION_TYPES):
        errors.add([*path, "type"], "BASE_TYPE_CHOICES", "Value must be one of option types.")
        return
    if not valid_chat_input_name(option.get("name")):
        errors.add([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    description = option.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        bad_length(errors, [*path, "description"], 1, 100)
    # Nesting rules: group -> subcommand -> value options, never deeper.
    if otype == SUB_COMMAND_GROUP and parent_type != CHAT_INPUT:
        errors.add(
            path, "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command groups cannot be nested"
        )
    if otype == SUB_COMMAND and parent_type not in (CHAT_INPUT, SUB_COMMAND_GROUP):
        errors.add(
            path, "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-commands cannot be nested here"
        )
    if parent_type == SUB_COMMAND_GROUP and otype != SUB_COMMAND:
        errors.add(
            path, "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Groups may only hold sub-commands"
        )
    if otype == OPT_STRING:
        low, high = option.get("min_length"), option.get("max_length")
        if low is not None and not 0 <= low <= 6000:
            errors.add([*path, "min_length"], "NUMBER_TYPE_MAX", "int value should be <= 6000.")
        if high is not None and not 1 <= high <= 6000:
            errors.add([*path, "max_length"], "NUMBER_TYPE_MAX", "int value should be <= 6000.")
    if otype in (OPT_INTEGER, OPT_NUMBER):
        low, high = option.get("min_value"), option.get("max_value")
        if low is not None and high is not None and low > high:
            errors.add([*path, "min_value"], "NUMBER_TYPE_MAX", "min_value must be <= max_value.")
    _validate_choices(errors, path, option)
    if otype in (SUB_COMMAND, SUB_COMMAND_GROUP):
        _validate_options(
            errors, path, option.get("options") or [], parent_type=otype, depth=depth + 1
        )


def _validate_options(
    errors: FormErrors, path: Path, options: Any, *, parent_type: int, depth: int
) -> None:
    if not isinstance(options, list):
        errors.add([*path, "options"], "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(options) > 25:
        max_length(errors, [*path, "options"], 25)
    names: set[str] = set()
    seen_optional = False
    kinds: set[str] = set()
    for index, option in enumerate(options):
        opath = [*path, "options", index]
        _validate_option(errors, opath, option, depth=depth, parent_type=parent_type)
        if not isinstance(option, dict):
            continue
        kinds.add("sub" if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) else "value")
        name = option.get("name")
        if isinstance(name, str):
            if name in names:
                errors.add(
                    [*opath, "name"],
                    "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            names.add(name)
        if option.get("type") in VALUE_OPTION_TYPES:
            if option.get("required"):
                if seen_optional:
                    errors.add(
                        [*path, "options"],
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
    if len(kinds) > 1:
        errors.add(
            [*path, "options"],
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all other"
            " types",
        )


def validate_command(errors: FormErrors, path: Path, command: Any) -> None:
    if not isinstance(command, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    ctype = command.get("type") or CHAT_INPUT
    if ctype not in (CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND):
        errors.add([*path, "type"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
        return
    name = command.get("name")
    if ctype == CHAT_INPUT:
        if not valid_chat_input_name(name):
            errors.add(
                [*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 100:
            bad_length(errors, [*path, "description"], 1, 100)
        _validate_options(
            errors, path, command.get("options") or [], parent_type=CHAT_INPUT, depth=0
        )
        if _option_chars(command) > COMMAND_TOTAL_CHARS:
            errors.add(
                path,
                "APPLICATION_COMMAND_TOO_LARGE",
                f"Command exceeds maximum size ({COMMAND_TOTAL_CHARS})",
            )
    else:
        # Context-menu names may contain spaces and capitals; no description or options.
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            bad_length(errors, [*path, "name"], 1, 32)
        if command.get("description"):
            errors.add(
                [*path, "description"],
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                "Context menu commands cannot have description",
            )
        if command.get("options"):
            errors.add([*path, "options"], "APPLICATION_COMMAND_OPTIONS_INVALID", "Options invalid")
    perms_value = command.get("default_member_permissions")
    if perms_value is not None:
        try:
            if int(perms_value) < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors.add(
                [*path, "default_member_permissions"], "NUMBER_TYPE_COERCE", "Not a valid number"
            )
    contexts = command.get("contexts")
    if contexts is not None and (not contexts or any(c not in (0, 1, 2) for c in contexts)):
        errors.add([*path, "contexts"], "BASE_TYPE_CHOICES", "Value must be one of {0, 1, 2}.")
    installs = command.get("integration_types")
    if installs is not None and (not installs or any(i not in (0, 1) for i in installs)):
        errors.add(
            [*path, "integration_types"], "BASE_TYPE_CHOICES", "Value must be one of {0, 1}."
        )


def validate_command_list(commands: Any) -> FormErrors:
    """Bulk overwrite: each command valid, names unique per type, per-type counts."""
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add([], "BASE_TYPE_ARRAY", "Must be an array.")
        return errors
    seen: set[tuple[int, str]] = set()
    counts: dict[int, int] = {}
    for index, command in enumerate(commands):
        validate_command(errors, [index], command)
        if not isinstance(command, dict):
            continue
        ctype = command.get("type") or CHAT_INPUT
        key = (ctype, str(command.get("name")))
        if key in seen:
            errors.add(
                [index, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        seen.add(key)
        counts[ctype] = counts.get(ctype, 0) + 1
    for ctype, count in counts.items():
        limit = COMMANDS_PER_TYPE_LIMIT.get(ctype)
        if limit is not None and count > limit:
            max_length(errors, [], limit)
    return errors
