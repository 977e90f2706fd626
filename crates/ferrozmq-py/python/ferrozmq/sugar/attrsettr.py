"""Socket and Context options as attributes: ``sock.linger = 0``, ``ctx.sndhwm``."""

from __future__ import annotations

from typing import Any

from .. import constants


class AttributeSetter:
    """Mixin mapping unknown attribute names to options (``sock.rcvtimeo = 100`` → ``set(RCVTIMEO, 100)``)."""

    def __setattr__(self, key: str, value: Any) -> None:
        if key in self.__dict__:
            object.__setattr__(self, key, value)
            return
        for cls in type(self).__mro__:
            if key in cls.__dict__:
                object.__setattr__(self, key, value)
                return
        upper_key = key.upper()
        try:
            opt = getattr(constants, upper_key)
        except AttributeError:
            raise AttributeError(f"{type(self).__name__} has no such option: {upper_key}") from None
        self._set_attr_opt(upper_key, opt, value)

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        self.set(opt, value)  # type: ignore[attr-defined]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        upper_key = key.upper()
        try:
            opt = getattr(constants, upper_key)
        except AttributeError:
            raise AttributeError(f"{type(self).__name__} has no such option: {upper_key}") from None
        return self._get_attr_opt(upper_key, opt)

    def _get_attr_opt(self, name: str, opt: int) -> Any:
        return self.get(opt)  # type: ignore[attr-defined]
