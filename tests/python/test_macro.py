"""The characterized macro read from Python: its values equal the tables' (read independently
with h5py), it interpolates between grid points, its provenance names the files, and cimchar's
errors arrive as Python exceptions with the command's messages."""

import hashlib
import os

import h5py
import numpy as np
import pytest

import cimchar

REL = 1e-12  # the same doubles, read two ways


def quantity(lut, table, name, vdd_index):
    with h5py.File(os.path.join(lut, table + ".h5"), "r") as f:
        return np.asarray(f[f"quantities/{table}/{name}/mean"][0, vdd_index, 0])


def test_values_are_the_tables_at_a_grid_point(macro, lut):
    assert macro.origin == "tables"
    assert macro.point.corner == "tt" and macro.point.vdd_v == 0.6 and macro.point.temp_c == 27
    g = macro.geometry
    assert (g.rows, g.columns, g.dac_bits, g.analog_window, g.adc_bits) == (144, 8, 4, 4, 3)
    # vdd = 0.6 V is the first grid value of every table
    np.testing.assert_allclose(macro.line.code_v, quantity(lut, "apath", "line_v", 0), rtol=REL)
    assert macro.line.baseline_v == pytest.approx(quantity(lut, "apath", "baseline_v", 0),
                                                  rel=REL)
    with h5py.File(os.path.join(lut, "apath.h5"), "r") as f:
        np.testing.assert_array_equal(macro.line.codes, np.asarray(f["axes/code"]))
    np.testing.assert_allclose(macro.adc.transition_v, quantity(lut, "adc", "transition_v", 0),
                               rtol=REL)
    assert macro.adc.bits == 3
    assert macro.energy.adc_conversion.energy_j == pytest.approx(
        quantity(lut, "adc", "energy_conversion_j", 0), rel=REL)
    assert "adc/energy_conversion_j" in macro.energy.adc_conversion.how
    assert len(macro.energy.dac_row_j) == 16 and len(macro.energy.adder_tree_j) == 145


def test_supply_between_grid_points_is_interpolated(lut):
    mid = cimchar.read_macro(lut, vdd=0.8)
    expected = (quantity(lut, "apath", "line_v", 0) + quantity(lut, "apath", "line_v", 1)) / 2
    np.testing.assert_allclose(mid.line.code_v, expected, rtol=1e-9)
    assert mid.point.vdd_v == 0.8


def test_provenance_names_every_file_with_its_hash(macro, lut):
    roles = {s.role: s for s in macro.sources}
    assert {"apath", "adc", "adder_tree", "digital", "dac"} <= set(roles)
    for role, source in roles.items():
        with open(source.file, "rb") as f:
            assert source.sha256 == hashlib.sha256(f.read()).hexdigest(), role
        assert source.recipe_text and source.ngspice_version and source.cimchar_commit
    assert any("interpolated" in n for n in macro.notes)
    blocks = macro.energy_sources()
    assert blocks["adc"] and all("measured" in how for how in blocks["adc"])


def test_one_file_overrides_the_folder(lut, tmp_path):
    only_adc = cimchar.read_macro(adc=os.path.join(lut, "adc.h5"), vdd=0.6)
    assert [s.role for s in only_adc.sources] == ["adc"]
    assert any("not characterized" in n or "analytic" in n for n in only_adc.notes)


def test_no_table_gives_the_analytic_placeholder():
    placeholder = cimchar.read_macro(rows=16)
    assert placeholder.origin == "analytic"
    assert placeholder.geometry.rows == 16


def test_errors_carry_the_commands_messages(lut, cli):
    with pytest.raises(cimchar.UsageError) as outside:
        cimchar.read_macro(lut, vdd=1.5)
    code, _, err = cli("snr", "--lut", lut, "--vdd", "1.5", "--samples", "10")
    assert code == 2
    assert str(outside.value) in err
    assert "apath.h5" in str(outside.value) and "1.5" in str(outside.value)

    with pytest.raises(cimchar.UsageError) as rows:
        cimchar.read_macro(lut, vdd=0.6, rows=16)
    code, _, err = cli("snr", "--lut", lut, "--vdd", "0.6", "--rows", "16", "--samples", "10")
    assert code == 2 and str(rows.value) in err

    with pytest.raises(cimchar.UsageError) as corner:
        cimchar.read_macro(lut, corner="ff", vdd=0.6)
    assert "ff" in str(corner.value)
    # UsageError is a cimchar.Error, which is a RuntimeError
    assert isinstance(corner.value, cimchar.Error) and isinstance(corner.value, RuntimeError)


def test_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(cimchar.Error) as e:
        cimchar.read_macro(str(tmp_path / "nowhere"))
    assert "nowhere" in str(e.value)
