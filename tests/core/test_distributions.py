import json
import pickle
import warnings

import pytest

from skipjack import distributions as d


def test_json_round_trip_is_optunas_format():
    assert d.distribution_to_json(d.FloatDistribution(0, 1)) == (
        '{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0, "high": 1.0, '
        '"log": false}}'
    )
    assert d.distribution_to_json(d.IntDistribution(1, 9, step=2)) == (
        '{"name": "IntDistribution", "attributes": {"log": false, "step": 2, "low": 1, "high": 9}}'
    )
    assert d.distribution_to_json(d.CategoricalDistribution(["a", None, 1.5, True])) == (
        '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", null, 1.5, true]}}'
    )
    for dist in (
        d.FloatDistribution(1e-3, 10, log=True),
        d.FloatDistribution(0, 1, step=0.25),
        d.IntDistribution(1, 100, log=True),
        d.CategoricalDistribution([1, 2, 3]),
    ):
        assert d.json_to_distribution(d.distribution_to_json(dist)) == dist


def test_legacy_json_maps_to_legacy_classes():
    dist = d.json_to_distribution('{"name": "UniformDistribution", "attributes": {"low": 0, "high": 2}}')
    assert isinstance(dist, d.FloatDistribution) and dist.low == 0.0 and dist.high == 2.0
    dist = d.json_to_distribution(
        '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 8, "step": 1}}'
    )
    assert isinstance(dist, d.IntDistribution) and dist.log
    with pytest.raises(ValueError, match="Unknown distribution"):
        d.json_to_distribution('{"name": "Nope", "attributes": {}}')


def test_deprecated_classes_warn_and_map():
    with pytest.warns(FutureWarning, match="FloatDistribution"):
        old = d.UniformDistribution(0, 1)
    assert d._convert_old_distribution_to_new_distribution(old) == d.FloatDistribution(0, 1)
    with pytest.warns(FutureWarning):
        q = d.DiscreteUniformDistribution(0, 1, 0.5)
    assert q.q == 0.5
    assert json.loads(d.distribution_to_json(q))["attributes"] == {"low": 0.0, "high": 1.0, "q": 0.5}
    assert pickle.loads(pickle.dumps(q)) == q


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: d.FloatDistribution(2, 1), "low <= high"),
        (lambda: d.FloatDistribution(0, 1, log=True), "low > 0"),
        (lambda: d.FloatDistribution(1, 2, log=True, step=0.1), "log=True or a step"),
        (lambda: d.FloatDistribution(0, 1, step=0), "must be > 0"),
        (lambda: d.FloatDistribution(0, 1, step=-1), "Got -1"),
        (lambda: d.IntDistribution(5, 1), "low <= high"),
        (lambda: d.IntDistribution(0, 5, log=True), "low >= 1"),
        (lambda: d.IntDistribution(1, 5, step=0), "must be > 0"),
        (lambda: d.CategoricalDistribution([]), "at least one"),
        (lambda: d.CategoricalDistribution([[1], [2]]), "not hashable"),
    ],
)
def test_bad_input_is_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_discrete_high_is_adjusted_with_warning():
    with pytest.warns(UserWarning, match="replaced by"):
        dist = d.FloatDistribution(0, 1, step=0.3)
    assert dist.high == pytest.approx(0.9)
    with pytest.warns(UserWarning):
        assert d.IntDistribution(0, 10, step=3).high == 9


def test_internal_representation():
    cat = d.CategoricalDistribution(["a", None, 2])
    assert cat.to_internal_repr(None) == 1.0 and cat.to_external_repr(2.0) == 2
    with pytest.raises(ValueError, match="not one of the choices"):
        cat.to_internal_repr("z")
    assert d.IntDistribution(0, 5).to_external_repr(3.0) == 3
    assert d.FloatDistribution(0, 1, step=0.25)._contains(0.75)
    assert not d.FloatDistribution(0, 1, step=0.25)._contains(0.7)
    assert d.IntDistribution(0, 10, step=2)._contains(4) and not d.IntDistribution(0, 10, step=2)._contains(5)


def test_single():
    assert d.FloatDistribution(1, 1).single()
    with pytest.warns(UserWarning, match="replaced by"):
        assert d.FloatDistribution(0, 0.5, step=1).single()
    assert not d.FloatDistribution(0, 1).single()
    assert d.IntDistribution(3, 3).single() and d.CategoricalDistribution(["x"]).single()


def test_compatibility():
    d.check_distribution_compatibility(d.FloatDistribution(0, 1), d.FloatDistribution(0, 5))
    with pytest.raises(ValueError, match="FloatDistribution.*IntDistribution"):
        d.check_distribution_compatibility(d.FloatDistribution(0, 1), d.IntDistribution(0, 1))
    with pytest.raises(ValueError, match="log"):
        d.check_distribution_compatibility(
            d.FloatDistribution(1, 2), d.FloatDistribution(1, 2, log=True)
        )
    with pytest.raises(ValueError, match="dynamic value space"):
        d.check_distribution_compatibility(
            d.CategoricalDistribution([1, 2]), d.CategoricalDistribution([1, 3])
        )


def test_distributions_are_immutable_and_hashable():
    dist = d.FloatDistribution(0, 1)
    with pytest.raises(AttributeError):
        dist.low = 3  # type: ignore[misc]
    assert hash(dist) == hash(d.FloatDistribution(0.0, 1.0))
    assert repr(dist) == "FloatDistribution(high=1.0, log=False, low=0.0, step=None)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pickle.loads(pickle.dumps(d.IntDistribution(1, 4, log=True))) == d.IntDistribution(
            1, 4, log=True
        )
