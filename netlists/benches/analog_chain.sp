* The analog path of one column as the macro runs it: every row is an HCIMA unit (8 split-port
* cells on LBL/LBLB, precharge, D_MULT, A_MULT) whose cells hold the weights, its own activation
* DAC (a switch tree between the reference lines) driving the row's global bit line GBL, and the
* share switch from the A_MULT's sampling capacitor onto the column's charge-sharing line, which
* the column's SAR ADC samples (the same converter as the adc bench's, with its clock held low: it
* samples and holds the line every op but never converts here, so the line is loaded by the
* converter's real input - its sampling capacitor, input and ground switches - not by a
* capacitor standing for it; the input is 68.5 fF at 1.0 V for the default 3-bit ADC, where its
* capacitor array alone is 48 fF).
*
* One analog op (driven by the generated <controls>): PCHB low precharges LBL/LBLB while RST
* empties the line and each row's DAC switches to the op's code; then AWLk reads cell k of every
* unit onto LBL (W = 0 discharges it) while SMP samples AOUT = V(GBL) * W onto the sampling
* capacitor; SMP falls (hold), the DACs return to code 0, RST falls and SH shares the held
* charges onto the line; the ADC samples from the op's start until two edges before SH falls.
*
* Placeholders: <models> <vdd> <temp> <c_sample> <c_line>
*   <dac>       the DAC subcircuit (measure::ActivationDacSubckt)
*   <refs>      the reference lines of the DACs (DacReferenceSources)
*   <controls>  PCHB, AWL0..AWL7, SMP/SMPB, RST, SH/SHB sources (generated per op sequence)
*   <rows>      the generated rows: unit, share switch, DAC with its bit buffers, GBL load,
*               the cells' stored weights (.ic)
*   <adc> the ADC subcircuit, <bits>, <adc_bits> its output nodes, <vref> <vcm>, <asmp> its SMP
* Supplies: vddu (HCIMA units: cells, precharge, A_MULT; measured), vddd (DACs and their bit
*   buffers) and the reference lines vref<j> (the DAC energy is the dac bench's, not measured here),
*   vdda, vref, vcm and the SMP source of the ADC (its energy is the adc bench's, not measured
*   here); the control lines are ideal sources (driver energy from their currents).
{{models}}
.include ../cells/hcima.sp
.include ../blocks/cs_line.sp
.include ../blocks/strongarm.sp
{{dac}}
{{adc}}
.temp {{temp}}
* Gear integration at reltol 1e-4 (the recipe's spice_options can tighten it). The line carries an
* integration error that differs with the time steps of every Monte Carlo sample; measured on an
* 8-row line at 1.0 V, 12 dies (tests/characterize/data/apath_small.ini), code 0: static sigma
* 0.080 mV at reltol 1e-6 (mismatch), about 0.3 mV at 1e-4. At 144 rows the mismatch part shrinks
* to tens of uV, so apath/line_v's static sigma is an upper bound set by the integrator: a few
* tenths of a mV, below 1 % of an ADC LSB (characterization/README.md).
.options method=gear reltol=1e-4
vddu vddu 0 {{vdd}}
vddd vddd 0 {{vdd}}
vss vss 0 0
vgblb gblb 0 {{vdd}}
{{refs}}
{{controls}}
{{rows}}
vdda vdda 0 {{vdd}}
vref vref 0 {{vref}}
vcm vcm 0 {{vcm}}
vasmp asmp 0 {{asmp}}
xadc line asmp vss vref vcm {{adc_bits}} vdda vss sar_adc{{bits}}
xend line rst vss cs_line_end
.end
