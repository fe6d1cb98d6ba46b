"""Simulator fixtures: the model's NLU (built once), and devices talking to the real skill in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from skill.config import Settings
from skill.sim.device import Device
from skill.sim.envelopes import Identity
from skill.sim.model import load_model
from skill.sim.nlu import Nlu
from skill.sim.transport import InProcessTransport


@pytest.fixture(scope="session")
def nlu() -> Nlu:
    return Nlu(load_model())


@pytest.fixture
def make_device(settings: Settings) -> Iterator[Callable[..., Device]]:
    """Devices on the project's own skill, built in-process on the test's SQLite journal."""
    transports: list[InProcessTransport] = []

    def make(user: str = "tester", device: str = "speaker", skill: Any = None, **kwargs: Any) -> Device:
        transport = InProcessTransport(settings, seed=kwargs.pop("seed", None), skill=skill)
        transports.append(transport)
        return Device(transport, load_model(), Identity(user=user, device=device), **kwargs)

    yield make
    for transport in transports:
        transport.close()
