"""Application command endpoints: bulk overwrite, create, edit, delete, list."""

from __future__ import annotations

from aiohttp import web

from . import errors as err
from .errors import FormErrors
from .rest_base import BODY, RestBase
from .validation import validate_command, validate_command_list


class CommandRoutes(RestBase):
    def _command_scope(self, request: web.Request) -> int | None:
        app_id = self._int(request, "application_id", err.missing_access)
        if app_id != self.s.application_id:
            raise err.missing_access()
        if "guild_id" not in request.match_info:
            return None
        guild_id = self._int(request, "guild_id", err.missing_access)
        if guild_id not in self.s.guilds:
            # Syncing to a guild the bot isn't in.
            raise err.missing_access()
        return guild_id

    async def list_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        return self._json(request, [c.payload() for c in self.s.commands.in_scope(scope)])

    async def bulk_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        body = request.get(BODY)
        body = [] if body is None else body
        errors = validate_command_list(body)
        # All or nothing, like Discord: a bad command leaves the old set in place.
        errors.raise_if_any()
        stored = self.s.commands.bulk_overwrite(scope, body)
        return self._json(request, [c.payload() for c in stored])

    async def create_command(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        body = self._body(request)
        errors = FormErrors()
        validate_command(errors, [], body)
        errors.raise_if_any()
        command, created = self.s.commands.upsert(scope, body)
        return self._json(request, command.payload(), status=201 if created else 200)

    async def get_command(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        command = self.s.commands.get(scope, self._int(request, "command_id", err.unknown_command))
        if command is None:
            raise err.unknown_command()
        return self._json(request, command.payload())

    async def edit_command(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        command_id = self._int(request, "command_id", err.unknown_command)
        current = self.s.commands.get(scope, command_id)
        if current is None:
            raise err.unknown_command()
        merged = {**current.data, **self._body(request)}
        errors = FormErrors()
        validate_command(errors, [], merged)
        errors.raise_if_any()
        edited = self.s.commands.edit(scope, command_id, self._body(request))
        assert edited is not None
        return self._json(request, edited.payload())

    async def delete_command(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        if not self.s.commands.delete(scope, self._int(request, "command_id", err.unknown_command)):
            raise err.unknown_command()
        return self._no_content()
