"""What the built-in spaces share: their genotype formats live in ``adapters/``, so their codecs delegate there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clue_plugins.spaces.base import SearchSpace
from clue_plugins.spec import ArchSpec


class AdapterSpace(SearchSpace):
    """A space whose genotype, NASLib and NNI conversions are written in ``adapters/`` (nb201, nb101, nb301)."""

    def from_genotype(self, genotype: Any) -> ArchSpec:
        from adapters import to_spec

        return to_spec(genotype, self.name)

    def check(self, spec: ArchSpec) -> ArchSpec:
        from adapters import check_spec

        return check_spec(spec)

    def from_naslib(self, arch: Any) -> ArchSpec:
        from adapters import naslib

        return naslib.from_naslib(arch, self.naslib_name)

    def to_naslib(self, spec: ArchSpec, arch: Any) -> Any:
        from adapters import naslib

        return naslib.to_naslib(spec, arch)

    def from_nni(self, sample: Mapping[str, Any]) -> ArchSpec:
        from adapters import nni

        return nni.from_sample(sample, self.name)

    def to_nni(self, spec: ArchSpec, prefix: str = "cell") -> dict[str, Any]:
        from adapters import nni

        return nni.to_sample(spec, prefix)

    def nni_model_space(self) -> Any:
        """NNI's hub model space of the same name (NasBench201, NasBench101; DARTS overrides for its width)."""
        from nni.nas.hub import pytorch as hub

        return getattr(hub, self.nni_name)()
