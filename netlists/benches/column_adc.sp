* The column's SAR ADC on its own, converting the line a first run of column_chain.sp recorded:
* the second run of each column sample (src/characterize/benches/column.cpp).
*
* The first run simulates the whole column with the ADC present but its clock held low: the ADC
* samples the shared line (its sampling capacitor loads the line as in the macro) and holds it,
* and the array is never evaluated at the converter's time steps (about 60 % of the steps of a
* joint run). This run replays the recorded line into the same ADC (same instance name, so the
* same die's mismatch) with the same sampling and clock phases; the bottom-plate sampling locks
* the sample when the top-plate switch opens, so what the ADC converts does not depend on what
* drives its input afterwards. column_bench (tests/bench/validate) compares the codes with a
* joint run (column.adc_run = joint).
*
* Placeholders: <models> <vdd> <temp> <vref> <vcm>, <adc> the ADC subcircuit, <bits>, <adc_bits>
*   its output nodes, <asmp> <clk> its SMP and CLK sources (as column_chain.sp), <line> the
*   recorded line as a PWL source.
{{models}}
.include ../blocks/strongarm.sp
{{adc}}
.temp {{temp}}
* The column deck's integration settings.
.options method=gear reltol=3e-4
vdda vdda 0 {{vdd}}
vss vss 0 0
vref vref 0 {{vref}}
vcm vcm 0 {{vcm}}
vasmp asmp 0 {{asmp}}
vclk clk 0 {{clk}}
* The recorded line, through 100 ohm (an ideal source directly on the sampling switches stalls
* ngspice's step control when they switch; see sar_adc.sp).
vline lines 0 {{line}}
rline lines line 100
xadc line asmp clk vref vcm {{adc_bits}} vdda vss sar_adc{{bits}}
.end
