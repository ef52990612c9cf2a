// The characterized macro as Python values: its geometry, operating point, transfer, energies
// and provenance (calib/macro.h), read by calib::ReadMacro through mac::SetUpModel.
#include <optional>
#include <sstream>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "calib/macro.h"
#include "calib/read.h"
#include "mac/energy.h"
#include "mac/setup.h"
#include "python/bindings.h"
#include "python/convert.h"

namespace cimchar::python {

namespace {

std::string GeometryRepr(const calib::Geometry& g) {
  std::ostringstream s;
  s << "Geometry(rows=" << g.rows << ", columns=" << g.columns << ", dac_bits=" << g.dac_bits
    << ", analog_window=" << g.analog_window << ", adc_bits=" << g.adc_bits << ")";
  return s.str();
}

// An array-valued field, copied out on access (the macro stays immutable).
template <typename C, typename T>
auto Array(std::vector<T> C::*member) {
  return [member](const C& c) { return ToArray(c.*member); };
}

}  // namespace

void BindMacro(py::module_& m) {
  py::class_<calib::OperatingPoint>(m, "OperatingPoint",
                                    "Where the macro is evaluated: corner, supply, temperature.")
      .def_readonly("corner", &calib::OperatingPoint::corner)
      .def_readonly("vdd_v", &calib::OperatingPoint::vdd_v)
      .def_readonly("temp_c", &calib::OperatingPoint::temp_c)
      .def("describe", &calib::OperatingPoint::Describe)
      .def("__repr__",
           [](const calib::OperatingPoint& p) { return "OperatingPoint(" + p.Describe() + ")"; });

  py::class_<calib::Geometry>(m, "Geometry", "The macro's geometry (from the tables).")
      .def_readonly("rows", &calib::Geometry::rows)
      .def_readonly("columns", &calib::Geometry::columns)
      .def_readonly("dac_bits", &calib::Geometry::dac_bits)
      .def_readonly("analog_window", &calib::Geometry::analog_window)
      .def_readonly("adc_bits", &calib::Geometry::adc_bits)
      .def("__eq__", [](const calib::Geometry& a, const calib::Geometry& b) { return a == b; })
      .def("__repr__", &GeometryRepr);

  py::class_<calib::LineTransfer>(
      m, "LineTransfer",
      "The analog chain in front of the ADC: the line voltage per DAC code with every row W = 1, "
      "the baseline (every row W = 0) and their spreads, volts.")
      .def_property_readonly("codes", Array(&calib::LineTransfer::codes))
      .def_property_readonly("code_v", Array(&calib::LineTransfer::code_v))
      .def_property_readonly("code_static_sigma_v",
                             Array(&calib::LineTransfer::code_static_sigma_v))
      .def_property_readonly("code_dynamic_sigma_v",
                             Array(&calib::LineTransfer::code_dynamic_sigma_v))
      .def_readonly("baseline_v", &calib::LineTransfer::baseline_v)
      .def_readonly("superposition_error_v", &calib::LineTransfer::superposition_error_v)
      .def("step_v", &calib::LineTransfer::StepV, py::arg("code"), py::arg("rows"),
           "The line step one row with W = 1 at `code` adds, volts.")
      .def("uniform_v", &calib::LineTransfer::UniformV, py::arg("code"), py::arg("count"),
           py::arg("rows"), "The line voltage of `count` rows at `code`, the rest W = 0, volts.");

  py::class_<calib::AdcTransfer>(m, "AdcTransfer", "The column SAR ADC's transitions, volts.")
      .def_property_readonly("transition_v", Array(&calib::AdcTransfer::transition_v))
      .def_property_readonly("transition_static_sigma_v",
                             Array(&calib::AdcTransfer::transition_static_sigma_v))
      .def_property_readonly("transition_dynamic_sigma_v",
                             Array(&calib::AdcTransfer::transition_dynamic_sigma_v))
      .def_readonly("comparator_offset_sigma_v", &calib::AdcTransfer::comparator_offset_sigma_v)
      .def_readonly("comparator_noise_sigma_v", &calib::AdcTransfer::comparator_noise_sigma_v)
      .def_readonly("history_shift_lsb", &calib::AdcTransfer::history_shift_lsb)
      .def_property_readonly("bits", &calib::AdcTransfer::Bits)
      .def_property_readonly("conversion_noise_sigma_v", &calib::AdcTransfer::ConversionNoiseSigmaV)
      .def_property_readonly("lsb_v", &calib::AdcTransfer::LsbV)
      .def_property_readonly("low_v", &calib::AdcTransfer::LowV)
      .def_property_readonly("high_v", &calib::AdcTransfer::HighV);

  py::class_<calib::ActionEnergy>(m, "ActionEnergy", "The energy of one action and its source.")
      .def_readonly("energy_j", &calib::ActionEnergy::energy_j)
      .def_readonly("how", &calib::ActionEnergy::how)
      .def("__repr__", [](const calib::ActionEnergy& e) {
        std::ostringstream s;
        s << "ActionEnergy(energy_j=" << e.energy_j << ", how='" << e.how << "')";
        return s.str();
      });

  using calib::Energies;
  py::class_<Energies>(m, "Energies", "The energy of every action the model prices, joules.")
      .def_readonly("op_baseline_j", &Energies::op_baseline_j)
      .def_property_readonly("op_code_j", Array(&Energies::op_code_j))
      .def_property_readonly("dac_row_j", Array(&Energies::dac_row_j))
      .def_readonly("adc_conversion", &Energies::adc_conversion)
      .def_readonly("dmult_w0", &Energies::dmult_w0)
      .def_readonly("dmult_w1_a0", &Energies::dmult_w1_a0)
      .def_readonly("dmult_w1_a1", &Energies::dmult_w1_a1)
      .def_property_readonly("adder_tree_j", Array(&Energies::adder_tree_j))
      .def_readonly("adder_tree_how", &Energies::adder_tree_how)
      .def_readonly("precharge_lblb", &Energies::precharge_lblb)
      .def_readonly("precharge_row_cycle", &Energies::precharge_row_cycle)
      .def_readonly("wordline_dwl", &Energies::wordline_dwl)
      .def_readonly("wordline_awl", &Energies::wordline_awl)
      .def_readonly("din_toggle", &Energies::din_toggle)
      .def_readonly("leakage_row_cycle", &Energies::leakage_row_cycle)
      .def_readonly("leakage_tree_cycle", &Energies::leakage_tree_cycle)
      .def_readonly("leakage_accumulator_cycle", &Energies::leakage_accumulator_cycle)
      .def_readonly("accumulate", &Energies::accumulate)
      .def_readonly("accumulate_toggle_j", &Energies::accumulate_toggle_j)
      .def_readonly("accumulator_bits", &Energies::accumulator_bits)
      .def_readonly("nq", &Energies::nq)
      .def_readonly("ose_eval", &Energies::ose_eval)
      .def_readonly("analog_how", &Energies::analog_how)
      .def_readonly("dac_how", &Energies::dac_how);

  using calib::TableSource;
  py::class_<TableSource>(m, "TableSource", "One table file the macro was read from.")
      .def_readonly("role", &TableSource::role)
      .def_property_readonly("file", [](const TableSource& t) { return t.file.string(); })
      .def_readonly("sha256", &TableSource::sha256)
      .def_readonly("recipe_text", &TableSource::recipe_text)
      .def_readonly("master_seed", &TableSource::master_seed)
      .def_readonly("samples_per_point", &TableSource::samples_per_point)
      .def_readonly("ngspice_version", &TableSource::ngspice_version)
      .def_readonly("cimchar_version", &TableSource::cimchar_version)
      .def_readonly("cimchar_commit", &TableSource::cimchar_commit)
      .def_readonly("created_utc", &TableSource::created_utc)
      .def("__repr__", [](const TableSource& t) {
        return "TableSource(role='" + t.role + "', file='" + t.file.string() + "', sha256='" +
               t.sha256.substr(0, 12) + "...')";
      });

  py::class_<calib::Macro>(
      m, "Macro",
      "The characterized macro at one operating point: geometry, transfer, energies and the "
      "provenance of every table (read_macro).")
      .def_readonly("origin", &calib::Macro::origin)
      .def_readonly("geometry", &calib::Macro::geometry)
      .def_readonly("point", &calib::Macro::point)
      .def_readonly("line", &calib::Macro::line)
      .def_readonly("adc", &calib::Macro::adc)
      .def_readonly("energy", &calib::Macro::energy)
      .def_readonly("sources", &calib::Macro::sources)
      .def_readonly("notes", &calib::Macro::notes)
      .def_property_readonly("full_scale_v", &calib::Macro::FullScaleV)
      .def(
          "energy_sources",
          [](const calib::Macro& macro) {
            py::dict out;
            for (const auto& [block, how] : mac::EnergySources(macro)) {
              out[py::str(block)] = how;
            }
            return out;
          },
          "Where each energy block's figures come from: {block: [source, ...]}.")
      .def("__repr__", [](const calib::Macro& macro) {
        return "Macro(origin='" + macro.origin + "', " + macro.point.Describe() + ", " +
               GeometryRepr(macro.geometry) + ")";
      });

  m.def(
      "read_macro",
      [](std::optional<std::filesystem::path> lut, std::optional<std::filesystem::path> apath,
         std::optional<std::filesystem::path> adc, std::optional<std::filesystem::path> adder_tree,
         std::optional<std::filesystem::path> digital, std::optional<std::filesystem::path> dac,
         const std::string& corner, double vdd, double temp, std::optional<int> rows,
         std::optional<int> columns, std::optional<int> dac_bits, std::optional<int> analog_window,
         std::optional<int> adc_bits, std::optional<double> adc_lo, std::optional<double> adc_hi) {
        mac::ModelRequest r;
        r.lut_dir = lut.value_or("");
        r.files.files = {{"apath", apath.value_or("")},
                         {"adc", adc.value_or("")},
                         {"adder_tree", adder_tree.value_or("")},
                         {"digital", digital.value_or("")},
                         {"dac", dac.value_or("")}};
        r.macro = {.point = {.corner = corner, .vdd_v = vdd, .temp_c = temp},
                   .rows = rows,
                   .columns = columns,
                   .dac_bits = dac_bits,
                   .analog_window = analog_window,
                   .adc_bits = adc_bits,
                   .adc_lo_frac = adc_lo,
                   .adc_hi_frac = adc_hi};
        py::gil_scoped_release release;
        return mac::SetUpModel(r).macro;
      },
      py::arg("lut") = py::none(), py::kw_only(), py::arg("apath") = py::none(),
      py::arg("adc") = py::none(), py::arg("adder_tree") = py::none(),
      py::arg("digital") = py::none(), py::arg("dac") = py::none(),
      py::arg("corner") = calib::OperatingPoint{}.corner,
      py::arg("vdd") = calib::OperatingPoint{}.vdd_v,
      py::arg("temp") = calib::OperatingPoint{}.temp_c, py::arg("rows") = py::none(),
      py::arg("columns") = py::none(), py::arg("dac_bits") = py::none(),
      py::arg("analog_window") = py::none(), py::arg("adc_bits") = py::none(),
      py::arg("adc_lo") = py::none(), py::arg("adc_hi") = py::none(),
      R"(The characterized macro at an operating point.

lut: a results folder holding apath.h5, adc.h5, adder_tree.h5, digital.h5, dac.h5 (the names
tools/run writes); apath= ... dac= name single files (they override the folder's). With no table
at all, the analytic placeholder (its notes say so). Supply and temperature are interpolated
between the tables' grid values and refused outside them; the corner must be one the tables
hold. A geometry value given must equal the tables' (rows=16 for 144-row tables is refused);
analog_window may narrow the DAC's bits; adc_lo/adc_hi shape the placeholder's ADC window only.
Raises UsageError / Error with cimchar's messages.)");
}

}  // namespace cimchar::python
