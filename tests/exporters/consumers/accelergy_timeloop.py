"""Accelergy and Timeloop reading cimchar's accelergy export, as their code does.

Accelergy 0.4 (github.com/Accelergy-Project/accelergy):
  - raw_inputs_2_dicts.py RawInputs2Dicts.load_file: a YAML file contributes only its top keys in
    {architecture, compound_components, action_counts, ERT, flattened_architecture, variables};
  - RawInputs2Dicts.ERT_input_parser: ERT.version and ERT.tables (a list of {name, actions});
    actions grouped by name into lists of {arguments, energy};
  - version.py VERSION_COMPATIBILITIES: parser 0.4 reads files of version 0.2, 0.3, 0.4;
  - RawInputs2Dicts.flatten_action_counts: action_counts.local[] names are full component names;
  - ERT_generator.py ComponentERTEntry.get_action_energy: without arguments the first row of the
    action; with arguments the first row whose arguments equal them (==);
  - energy_calculator.py EnergyCalculator: sum of energy per action x counts (pJ).
Timeloop (github.com/NVlabs/timeloop):
  - src/model/topology.cpp Topology::Specs::ParseAccelergyERT: version 0.3/0.4 tables grouped by
    component and action; the component is the part of the name after the last '.'; per action
    the largest energy of its rows; include/model/topology.hpp arithmeticOperationMappings and
    storageOperationMappings pick the action per operation (first name present);
    src/model/buffer.cpp: an unmapped random_* operation falls back to the largest energy;
  - Topology::Specs::ParseAccelergyART: version 0.3 or 0.4, tables a list of {name, area}.

usage: accelergy_timeloop.py EXPORT_DIR EXPECTED_JSON
"""
import os
import sys

import yaml

from common import check_provenance, close, expect, finish, load_json, report

ACCELERGY_TOP_KEYS = {"architecture", "compound_components", "action_counts", "ERT",
                      "flattened_architecture", "variables"}
ACCELERGY_04_READS = {"0.2", "0.3", "0.4"}
ARITHMETIC = {"random_compute": ["mac_random", "mult_random", "mac", "mult", "compute"]}
STORAGE = {"random_read": ["random_read", "read"],
           "random_fill": ["random_fill", "random_write", "fill", "write"],
           "random_update": ["random_update", "random_write", "update", "write"],
           "leak": ["leak"]}
BLOCK_OF = {"dmult": "dmult", "adder_tree": "adder_tree", "precharge": "precharge",
            "wordline": "wordline", "din": "din", "leakage": "leakage", "analog_line": "amult", "dac": "dac", "adc": "adc", "nq": "ose", "ose": "ose",
            "accumulator": "accumulate"}


def accelergy_load(path):
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    return {k: v for k, v in doc.items() if k in ACCELERGY_TOP_KEYS}


def accelergy_ert(content):
    ert = content["ERT"]
    expect("version" in ert and isinstance(ert.get("tables"), list), "ERT lacks version/tables")
    expect(str(ert["version"]) in ACCELERGY_04_READS, "ERT version %r" % ert["version"])
    table = {}
    for entry in ert["tables"]:
        actions = {}
        for a in entry["actions"]:
            actions.setdefault(a["name"], []).append(a)
        table[entry["name"]] = actions
    return table


def accelergy_action_energy(actions, name, args):
    for combo in actions[name]:
        if args is None:
            return combo["energy"]
        matched = True
        for k, v in args.items():
            if not combo["arguments"][k] == v:
                matched = False
                break
        if matched:
            return combo["energy"]
    raise KeyError("no ERT row for %s %r" % (name, args))


def accelergy_flatten(node, prefix=None, out=None):
    out = {} if out is None else out
    for local in node.get("local", []):
        name = local["name"] if prefix is None else prefix + "." + local["name"]
        out[name] = local["action_counts"]
    for sub in node.get("subtree", []):
        accelergy_flatten(sub, sub["name"] if prefix is None else prefix + "." + sub["name"], out)
    return out


def accelergy_energy(ert, counts_path):
    content = accelergy_load(counts_path)
    node = content["action_counts"]
    expect(str(node["version"]) in ACCELERGY_04_READS, "action counts version")
    per_component = {}
    for component, entries in accelergy_flatten(node).items():
        actions = ert[component]
        per_component[component] = sum(
            accelergy_action_energy(actions, e["name"], e.get("arguments")) * e["counts"]
            for e in entries)
    return sum(per_component.values()), per_component


def by_block(per_component):
    blocks = {}
    for name, pj in per_component.items():
        block = BLOCK_OF[name.split(".")[-1]]
        blocks[block] = blocks.get(block, 0.0) + pj
    return blocks


def timeloop_ert(ert_node):
    expect(ert_node["version"] in (0.3, 0.4), "Timeloop reads ERT 0.3/0.4 only")
    levels = {}
    for entry in ert_node["tables"]:
        name = entry["name"].split(".")[-1]
        energies = {}
        for a in entry["actions"]:
            energies[a["name"]] = max(energies.get(a["name"], 0.0), a["energy"])
        levels[name] = energies
    return levels


def timeloop_op(energies, mapping, op):
    for action in mapping[op]:
        if action in energies:
            return energies[action]
    return max(energies.values()) if op.startswith("random_") else 0.0


def main(out, expected_path):
    expected = load_json(expected_path)
    meta = load_json(os.path.join(out, "accelergy.meta.json"))
    check_provenance(meta, "accelergy.meta.json")

    ert_content = accelergy_load(os.path.join(out, "ERT.yaml"))
    expect(list(ert_content) == ["ERT"], "ERT.yaml top keys for Accelergy: %r" % list(ert_content))
    ert = accelergy_ert(ert_content)
    expect(accelergy_load(os.path.join(out, "ART.yaml")) == {},
           "ART.yaml must not feed Accelergy anything (it has no ART input)")
    with open(os.path.join(out, "ART.yaml")) as f:
        art = yaml.safe_load(f)["ART"]
    expect(art["version"] in (0.3, 0.4) and isinstance(art["tables"], list),
           "Timeloop's ParseAccelergyART would reject ART.yaml")
    expect(all("name" in t and isinstance(t.get("area"), float) for t in art["tables"]),
           "an ART entry lacks a name or a numeric area (Timeloop reads garbage then)")
    for component in ert:
        expect("area." + component.split(".")[-1] in meta["not_derived"],
               "the area of %s is neither given nor listed as not derived" % component)

    # 1. The export's own action-count file: Accelergy's estimate is the model's energy.
    total, per_component = accelergy_energy(ert, os.path.join(out, "action_counts.yaml"))
    ref = meta["reference_run"]
    report("reference run: Accelergy pJ / model pJ - 1", total / ref["model_energy_pj"] - 1.0)
    expect(close(total, ref["model_energy_pj"], rel=1e-9), "reference run energy %r vs %r" %
           (total, ref["model_energy_pj"]))
    for block, pj in by_block(per_component).items():
        expect(close(pj, ref["model_energy_by_block_pj"][block], rel=1e-9, abs_tol=1e-9),
               "reference block %s: %r vs %r" % (block, pj, ref["model_energy_by_block_pj"][block]))

    # 2. Workloads the export never saw, counted by the model and written with cimchar's
    #    action-count writer: Accelergy's estimate against the model's energy, block by block.
    for w in expected["workloads"]:
        total, per_component = accelergy_energy(ert, w["file"])
        report("%s: Accelergy pJ / model pJ - 1" % os.path.basename(w["file"]),
               total / w["model_energy_pj"] - 1.0)
        expect(close(total, w["model_energy_pj"], rel=1e-9),
               "%s: %r pJ vs the model's %r" % (w["file"], total, w["model_energy_pj"]))
        for block, pj in by_block(per_component).items():
            expect(close(pj, w["model_energy_by_block_pj"][block], rel=1e-9, abs_tol=1e-9),
                   "%s block %s: %r vs %r" % (w["file"], block, pj,
                                             w["model_energy_by_block_pj"][block]))

    # 3. Arguments: every data-dependent row is an exact integer code, each listed once.
    prefix = expected["macro_name"]
    codes = list(range(2 ** expected["dac_bits"]))
    for component, action in (("analog_line", "row_on"), ("dac", "drive")):
        rows = ert[prefix + "." + component][action]
        expect(sorted(r["arguments"]["code"] for r in rows) == codes,
               "%s.%s codes %r" % (component, action, [r["arguments"] for r in rows]))
        expect(all(isinstance(r["arguments"]["code"], int) for r in rows), "codes not integers")
    expect("row_on" in meta["arguments"] and "first row" in meta["arguments"],
           "the meta file does not say how an argument-less count of row_on is read")

    # 4. Timeloop: every component's operations map to read/compute, write/update/leak are 0,
    #    and energy per MAC x MACs of an independent model run is its energy within the data
    #    spread the per-MAC figure cannot follow.
    levels = timeloop_ert(yaml.safe_load(open(os.path.join(out, "ERT.yaml")))["ERT"])
    for name, energies in levels.items():
        read = timeloop_op(energies, STORAGE, "random_read")
        expect(read == energies["read"], name + ": Timeloop's random_read is not read")
        expect(timeloop_op(energies, ARITHMETIC, "random_compute") == read,
               name + ": Timeloop's random_compute is not the read energy")
        for op in ("random_fill", "random_update", "leak"):
            expect(timeloop_op(energies, STORAGE, op) == 0.0, name + ": " + op + " is not 0")
    for run in expected["independent_runs"]:
        per_mac = levels["mac_bda%d" % run["b_da"]]["compute"]
        estimate = per_mac * run["macs"]
        deviation = estimate / run["model_energy_pj"] - 1.0
        report("Timeloop mac_bda%d x MACs / model energy - 1 (independent inputs)" % run["b_da"],
               deviation)
        expect(abs(deviation) < expected["per_mac_tolerance"],
               "mac_bda%d: Timeloop %r pJ vs model %r pJ" % (run["b_da"], estimate,
                                                              run["model_energy_pj"]))
    finish("accelergy/timeloop")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
