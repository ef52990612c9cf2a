* Charge-sharing line: N rows of A_MULT onto one line, one share per cycle.
*
* Placeholders: <models> <vdd> <temp> <c_sample> <c_line>
*   <t_cycle> <t_sample> <t_edge>: each cycle of t_cycle has SMP high for t_sample (rows sample
*   V(GBL) * W, RST holds the line at 0), then RST falls, SH rises (share) and falls again 3
*   edges before the cycle ends. The line is settled in [t_cycle - 6 t_edge, t_cycle - 4 t_edge].
*   <gbl> the activation voltage source value (PWL, changes only while SMP is high)
*   <rows> the generated rows (measure::ChargeLineRows, LBL sources may change per cycle)
{{models}}
.include ../blocks/cs_line.sp
.temp {{temp}}
* reltol 1e-6: with ngspice's default 1e-3 the integration error of the shared line (~0.1 % of
* its voltage, different in every Monte Carlo sample) is as large as the mismatch sigma.
.options method=gear reltol=1e-6
.param vd={{vdd}} tc={{t_cycle}} ts={{t_sample}} te={{t_edge}}
vdd vdd 0 {vd}
vss vss 0 0
vgbl gbl 0 {{gbl}}
vsmp smp 0 pulse({vd} 0 {ts} {te} {te} {tc-ts-2*te} {tc})
vsmpb smpb 0 pulse(0 {vd} {ts} {te} {te} {tc-ts-2*te} {tc})
vrst rst 0 pulse({vd} 0 {ts+2*te} {te} {te} {tc-ts-4*te} {tc})
vsh sh 0 pulse(0 {vd} {ts+4*te} {te} {te} {tc-ts-8*te} {tc})
vshb shb 0 pulse({vd} 0 {ts+4*te} {te} {te} {tc-ts-8*te} {tc})
{{rows}}
xend line rst vss cs_line_end
.end
