"""Virtual anatomy and activity: reference sizes, conservation of activity, the 60 Gy plan,
177Lu kinetics against integrals done here, and the true dose by local deposition."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from phantom_helpers import centred_grid

from hepar.errors import InvalidValueError
from hepar.phantoms import (
    STRUCTURE_PROPERTIES,
    HoDistribution,
    Structure,
    TreatedTerritory,
    draw_ho166_distributions,
    draw_lu177_kinetics,
    generate_anatomy,
    liver_volume_ml,
    local_deposition_dose_gy,
    patient_anatomy,
    patient_timeline,
    planned_treatment_activity_mbq,
    stream,
)
from hepar.physics import nuclide


def _labels(seed: int, **kwargs):
    anatomy = generate_anatomy(stream(seed, "anatomy"), **kwargs)
    grid = centred_grid((42, 40, 50), 7.2)
    grid = grid.with_array(np.zeros(grid.shape), "1")
    # the body spans z -135..155 mm: shift the grid to its centre (z = 10 mm)
    from hepar.imaging import Volume

    affine = grid.affine.copy()
    affine[2, 3] += 10.0
    grid = Volume(grid.array, affine, "1", grid.frame_of_reference_uid)
    return anatomy, anatomy.labels(grid)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_anatomy_follows_the_issue(seed):
    anatomy, labels = _labels(seed)
    assert 3 <= len(anatomy.lesions) <= 12
    assert all(10.0 <= lesion.diameter_mm <= 60.0 for lesion in anatomy.lesions)
    if anatomy.territory is not TreatedTerritory.WHOLE:
        assert any(not lesion.treated for lesion in anatomy.lesions)
    masks = {m.name: m for m in anatomy.masks(labels)}
    for organ in ("body", "liver", "lung right", "lung left", "kidney right", "kidney left",
                  "spleen", "stomach", "spine", "ribs"):
        assert masks[organ].voxel_count > 0, organ
    # adult reference sizes (ICRP 89): liver 1.3-2.6 L with tumour, spleen 0.1-0.4 L
    assert 1200 < masks["liver"].volume_ml < 2800
    assert 80 < masks["spleen"].volume_ml < 400
    assert masks["liver right lobe"].volume_ml > masks["liver left lobe"].volume_ml


def test_lesion_count_and_diameters_over_many_patients():
    """The issue: 3 to 12 lesions of 10 to 60 mm. Over 300 seeded patients every drawn lesion
    is placed (the count is the drawn count) and none is outside 10-60 mm; the counts cover
    3..12, and the diameters are log-uniform: ln d is uniform on [ln 10, ln 60], mean
    ln sqrt(600), SD ln 6 / sqrt 12; the sample mean within 4 standard errors."""
    counts, diameters = [], []
    for seed in range(300):
        rng = stream(seed, "anatomy")
        rng.normal()  # the weight draw of patient_anatomy
        drawn = int(rng.integers(3, 13))
        _, anatomy = patient_anatomy(seed)
        assert len(anatomy.lesions) == drawn, seed
        counts.append(drawn)
        diameters += [lesion.diameter_mm for lesion in anatomy.lesions]
    assert set(counts) == set(range(3, 13))
    assert 10.0 <= min(diameters) and max(diameters) <= 60.0
    log_d = np.log(diameters)
    standard_error = math.log(6.0) / math.sqrt(12.0) / math.sqrt(log_d.size)
    assert log_d.mean() == pytest.approx(math.log(math.sqrt(600.0)), abs=4 * standard_error)


@pytest.mark.parametrize("weight_kg", [35.0, 75.0, 200.0])
def test_lesions_that_do_not_fit_shrink_but_never_below_10_mm_nor_vanish(weight_kg):
    """Twelve 60 mm lesions (1.36 L) cannot fit in a 1.2-2 L liver: the tumour burden is
    capped at 35 % of the liver and every lesion is still placed, 10 to 60 mm, each at most
    10 % overlapped by another (centres >= 0.9 (r1 + r2) apart)."""
    for seed in range(3):
        anatomy = generate_anatomy(stream(seed, "anatomy"), weight_kg=weight_kg,
                                   lesion_diameters_mm=[60.0] * 12)
        lesions = anatomy.lesions
        assert len(lesions) == 12
        assert all(10.0 <= lesion.diameter_mm <= 60.0 for lesion in lesions)
        volume_ml = sum(math.pi / 6 * lesion.diameter_mm**3 for lesion in lesions) / 1000.0
        assert volume_ml <= 0.35 * liver_volume_ml(anatomy) + 1e-6
        for i, a in enumerate(lesions):
            for b in lesions[i + 1:]:
                gap = math.dist(a.centre_mm, b.centre_mm)
                assert gap >= 0.9 * (a.diameter_mm + b.diameter_mm) / 2 - 1e-9
    # even a full liver of 10 mm lesions keeps its size (the grid scan finds room)
    small = generate_anatomy(stream(4, "anatomy"), lesion_diameters_mm=[10.0] * 12,
                             territory="left")
    assert [lesion.diameter_mm for lesion in small.lesions] == [10.0] * 12
    assert any(not lesion.treated for lesion in small.lesions)


def test_fixed_lesion_diameters_are_validated():
    with pytest.raises(InvalidValueError, match="lesion_diameters_mm"):
        generate_anatomy(stream(1, "anatomy"), lesion_diameters_mm=[8.0, 20.0])
    with pytest.raises(InvalidValueError, match="lesion_diameters_mm"):
        generate_anatomy(stream(1, "anatomy"), lesion_diameters_mm=[20.0] * 13)
    with pytest.raises(InvalidValueError, match="n_lesions"):
        generate_anatomy(stream(1, "anatomy"), n_lesions=3, lesion_diameters_mm=[20.0, 30.0])


def test_same_seed_same_anatomy_and_options_are_honoured():
    a = generate_anatomy(stream(5, "anatomy"))
    b = generate_anatomy(stream(5, "anatomy"))
    assert a == b
    fixed = generate_anatomy(stream(5, "anatomy"), n_lesions=4, territory="left")
    assert len(fixed.lesions) == 4 and fixed.territory is TreatedTerritory.LEFT
    with pytest.raises(InvalidValueError, match="territory"):
        generate_anatomy(stream(5, "anatomy"), territory="middle")
    with pytest.raises(InvalidValueError, match="n_lesions"):
        generate_anatomy(stream(5, "anatomy"), n_lesions=20)


def test_ho166_activity_is_conserved_and_follows_lsf_and_tnr():
    anatomy, labels = _labels(2, territory="whole", n_lesions=5)
    planned = planned_treatment_activity_mbq(anatomy, labels)
    scout, treatment = draw_ho166_distributions(
        stream(2, "ho166"), anatomy, planned, mismatch_sigma=0.0, lung_shunt_fraction=0.08,
        extrahepatic=False)
    activity = scout.activity_map_mbq(anatomy, labels)
    assert activity.sum() == pytest.approx(250.0, rel=1e-9)
    lungs = labels.structure == Structure.LUNG
    assert activity[lungs].sum() == pytest.approx(0.08 * 250.0, rel=1e-9)
    normal = anatomy.treated_mask(labels) & (labels.structure == Structure.LIVER)
    for lesion in anatomy.lesions:
        viable = (labels.lesion == lesion.number) & (labels.structure == Structure.LESION)
        if viable.any():
            ratio = activity[viable].mean() / activity[normal].mean()
            assert ratio == pytest.approx(scout.tnr[lesion.number], rel=1e-9)
    # no mismatch: the treatment distributes exactly like the scout
    assert treatment.tnr == scout.tnr
    assert treatment.lung_shunt_fraction == scout.lung_shunt_fraction


def test_some_lesions_have_necrotic_cores_with_their_own_ct_number_and_no_activity():
    """Over many patients: about half of the lesions of 25 mm or more have a necrotic core
    (core radius 35-60 % of the lesion's), smaller ones none. A core is its own tissue
    (CT number below viable tumour) and holds neither 166Ho microspheres (no arterial supply)
    nor 177Lu-dotatate (no viable receptor-expressing cells)."""
    lesions = [lesion for seed in range(40)
               for lesion in generate_anatomy(stream(seed, "anatomy")).lesions]
    large = [lesion for lesion in lesions if lesion.diameter_mm >= 25.0]
    cored = [lesion for lesion in large if lesion.necrotic_core_ratio > 0]
    assert all(lesion.necrotic_core_ratio == 0 for lesion in lesions
               if lesion.diameter_mm < 25.0)
    assert all(0.35 <= lesion.necrotic_core_ratio <= 0.6 for lesion in cored)
    # binomial(n, 0.5): within 4 standard deviations of half
    n = len(large)
    assert n > 40 and abs(len(cored) - n / 2) < 4 * math.sqrt(n / 4)
    assert STRUCTURE_PROPERTIES[Structure.NECROSIS].hu < STRUCTURE_PROPERTIES[
        Structure.LESION].hu
    anatomy, labels = next(
        (anatomy, labels) for anatomy, labels in (_labels(seed, territory="whole")
                                                  for seed in range(40))
        if (labels.structure == Structure.NECROSIS).any())
    necrosis = labels.structure == Structure.NECROSIS
    scout, treatment = draw_ho166_distributions(stream(0, "ho166"), anatomy, 3000.0,
                                                extrahepatic=False)
    timeline = patient_timeline(0)
    kinetics = draw_lu177_kinetics(stream(0, "lu177"), timeline.lu177_cycles)
    maps = {"scout": scout.activity_map_mbq(anatomy, labels),
            "treatment": treatment.activity_map_mbq(anatomy, labels),
            "lu177 at 24 h": kinetics.activity_map_mbq(
                labels, timeline.lu177_cycles[-1] + timedelta(hours=24)),
            "lu177 cycle 1 integral": kinetics.time_integrated_activity_mbq_h(labels, 1)}
    viable = labels.structure == Structure.LESION
    for name, activity in maps.items():
        assert activity[necrosis].max() == 0.0, name
        assert activity[viable].sum() > 0.0, name


def test_lesions_outside_the_treated_territory_get_no_microspheres():
    anatomy, labels = _labels(0, territory="right")
    _, treatment = draw_ho166_distributions(stream(0, "ho166"), anatomy, 2000.0)
    activity = treatment.activity_map_mbq(anatomy, labels)
    untreated = [lesion for lesion in anatomy.lesions if not lesion.treated]
    assert untreated
    for lesion in untreated:
        assert activity[labels.lesion == lesion.number].sum() == 0.0


def test_plan_gives_60_gy_mean_to_the_treated_liver():
    """Utrecht rule: A = liver weight x 3780 MBq/kg (REFERENCE.md). With no lung shunt the
    true local-deposition dose averages 60 Gy over the treated liver (1.06 g/mL)."""
    anatomy, labels = _labels(3, territory="whole")
    planned = planned_treatment_activity_mbq(anatomy, labels)
    mass_kg = anatomy.treated_mask(labels).sum() * labels.grid.voxel_volume_ml * 1.06 / 1000
    assert planned == pytest.approx(mass_kg * 3780.0, rel=0.001)
    plan = HoDistribution("treatment", planned, 0.0, 0.0, (0.0, 0.0, 0.0), 6.0,
                          {lesion.number: 3.0 for lesion in anatomy.lesions})
    activity = plan.activity_map_mbq(anatomy, labels)
    tia = activity * nuclide("Ho-166").half_life_h / math.log(2.0)
    density = np.full(labels.structure.shape, 1.06)
    dose = local_deposition_dose_gy(tia, "Ho-166", density, labels.grid.voxel_volume_ml)
    assert dose[anatomy.treated_mask(labels)].mean() == pytest.approx(60.0, rel=0.001)


def test_lu177_kinetics_integral_matches_numerical_integration():
    """The analytic time-integrated activity of cycle 1 equals the trapezoidal integral of
    the activity maps over the 8 weeks before cycle 2 plus the exponential tail after it."""
    _anatomy, labels = _labels(1)
    timeline = patient_timeline(1)
    kinetics = draw_lu177_kinetics(stream(1, "lu177"), timeline.lu177_cycles[:1])
    start = timeline.lu177_cycles[0]
    window_h = 8 * 7 * 24.0
    hours = np.concatenate([[0.0], np.geomspace(0.005, window_h, 500)])
    totals = [kinetics.activity_map_mbq(labels, start + timedelta(hours=float(h))).sum()
              for h in hours]
    tumour_ml = float(np.sum(labels.structure == Structure.LESION)) * labels.grid.voxel_volume_ml
    tail = sum(
        7400.0 * u * h / math.log(2.0) * math.exp(-math.log(2.0) / h * window_h)
        * (tumour_ml if c.per_ml else 1.0)
        for c in kinetics.compartments
        for u, h in zip(c.uptake, c.effective_half_life_h, strict=True))
    analytic = kinetics.time_integrated_activity_mbq_h(labels, 1).sum()
    assert np.trapezoid(totals, hours) + tail == pytest.approx(analytic, rel=0.01)


def test_residual_lu177_is_small_but_not_zero_and_below_physical_decay():
    """REFERENCE.md: physical decay alone leaves about 21 MBq of a 7.4 GBq cycle after 8
    weeks; biological clearance leaves less, but not nothing."""
    _, labels = _labels(4)
    timeline = patient_timeline(4, weeks_after_last_cycle=8.0)
    kinetics = draw_lu177_kinetics(stream(4, "lu177"), timeline.lu177_cycles)
    residual = kinetics.activity_map_mbq(labels, timeline.treatment).sum()
    physical = sum(7400.0 * 0.5 ** ((timeline.treatment - t).total_seconds() / 3600.0 / 159.5)
                   for t in timeline.lu177_cycles)
    assert 0.0 < residual < physical
    assert physical == pytest.approx(21.6, rel=0.1)
    for compartment in kinetics.compartments:
        assert max(compartment.effective_half_life_h) <= nuclide("Lu-177").half_life_h


def test_timeline_follows_the_registry_record():
    for seed in range(5):
        t = patient_timeline(seed)
        weeks = (t.treatment - t.lu177_cycles[-1]).days / 7.0
        assert 8.0 - 1 / 7 <= weeks <= 12.0 + 1 / 7
        assert t.scout < t.scout_scan < t.treatment < t.treatment_scan
        assert t.treatment.tzinfo is not None
    with pytest.raises(InvalidValueError, match="weeks_after_last_cycle"):
        patient_timeline(1, weeks_after_last_cycle=-2.0)
