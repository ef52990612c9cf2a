* Activation DAC driving GBL into two A_MULTs (W = 1 and W = 0): AOUT for every DAC code.
*
* Placeholders: <models> <vdd> <temp> <c_gbl> <c_sample>
*   <dac> the generated DAC subcircuit (measure::ActivationDacSubckt), <dac_bits> its bit count,
*   <dac_ports> its bit and reference nodes (ActivationDacPorts), <refs> the reference ladder
*   (DacReferenceSources), <codes> the bit sources d0.. stepping through the codes (PWL).
* SMP is held high, so CS tracks AOUT. Probe v(aout1), v(cs1) (W = 1), v(aout0) (W = 0).
* Supplies: vdd (A_MULTs and DAC inverters); the reference sources vref<j> carry the GBL charge.
{{models}}
.include ../cells/a_mult.sp
{{dac}}
.temp {{temp}}
vdd vdd 0 {{vdd}}
vss vss 0 0
{{refs}}
{{codes}}
xdac {{dac_ports}} gbl vdd vss act_dac{{dac_bits}}
cgbl gbl 0 {{c_gbl}}
vsmp smp 0 {{vdd}}
vsmpb smpb 0 0
vw1 lbl1 0 {{vdd}}
vw0 lbl0 0 0
xa1 gbl lbl1 smp smpb aout1 cs1 vdd vss a_mult
xa0 gbl lbl0 smp smpb aout0 cs0 vdd vss a_mult
.end
