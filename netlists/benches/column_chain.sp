* One column of the macro end to end, for the validation: the analog chain of
* netlists/benches/analog_chain.sp (HCIMA units holding the weights, one DAC per row on its GBL,
* A_MULT sampling, share switches, the line) converted by the column's SAR ADC.
*
* Each op: as analog_chain.sp, with the ADC sampling (ASMP high: its sampling capacitor's bottom
* plate on the line, its top plate at VCM) from the op start (RST empties the line and the
* sampling capacitor together) until just before SH falls, so the ADC holds the shared line;
* then CLK decides one bit per cycle and the code is valid on b0.. until the next op.
* By default (column.adc_run = separate) CLK is held low here: the ADC samples and holds the line
* but converts in a second run of its own on the recorded line (column_adc.sp), so the array is
* not evaluated at the converter's time steps.
*
* Placeholders: as analog_chain.sp, and <adc> the ADC subcircuit (measure::SarAdcSubckt),
*   <bits>, <adc_bits> its output nodes, <vref> <vcm>, <asmp> <clk> the ADC's SMP and CLK sources.
{{models}}
.include ../cells/hcima.sp
.include ../blocks/cs_line.sp
.include ../blocks/strongarm.sp
{{dac}}
{{adc}}
.temp {{temp}}
* Gear integration at reltol 3e-4: at ngspice's default 1e-3 the shared line moves by a few tenths
* of a millivolt with the time steps (different in every Monte Carlo sample); at 3e-4 the codes
* equal a reltol-1e-5 run's and the line lies within 0.4 mV of it, about 1.5x faster than at 1e-4
* (build/tests/bench/validate/column_bench --rows 16, and with --reltol 1e-4).
.options method=gear reltol=3e-4
vddu vddu 0 {{vdd}}
vddd vddd 0 {{vdd}}
vdda vdda 0 {{vdd}}
vss vss 0 0
vgblb gblb 0 {{vdd}}
vref vref 0 {{vref}}
vcm vcm 0 {{vcm}}
vasmp asmp 0 {{asmp}}
vclk clk 0 {{clk}}
{{refs}}
{{controls}}
{{rows}}
xend line rst vss cs_line_end
xadc line asmp clk vref vcm {{adc_bits}} vdda vss sar_adc{{bits}}
.end
