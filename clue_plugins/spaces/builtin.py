"""What the built-in spaces share: their genotype formats live in ``adapters/``, so their codecs delegate there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clue_plugins.spaces.base import SearchSpace
from clue_plugins.spec import ArchSpec


class AdapterSpace(SearchSpace):
    """A space whose genotype, NASLib and NNI conversions are written in ``adapters/`` (nb201, nb101, nb301).

    ``network`` and ``loader`` name the network class and the benchmark loader as ``"module:attribute"``, imported
    on first use so that describing a space imports neither torch nor the data loaders.
    """

    network: str = ""
    loader: str = ""

    def build_network(self, spec: ArchSpec, num_classes: int = 10, **kwargs: Any) -> Any:
        return _attribute(self.network)(spec, num_classes=num_classes, **kwargs)

    def load_benchmark(self, verify: bool | None = None) -> Any:
        return _attribute(self.loader)(verify=verify)

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

    def nni_benchmark(self) -> Any:
        """NNI's query benchmark of the same name (``NasBench201Benchmark``, ``NasBench101Benchmark``)."""
        from nni.nas import benchmark

        found = getattr(benchmark, f"{self.nni_name}Benchmark", None)
        if found is None:
            return super().nni_benchmark()  # no NNI benchmark for this space: the base class says so
        return found


def _attribute(path: str) -> Any:
    """``"package.module:name"`` -> that attribute."""
    import importlib

    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)
