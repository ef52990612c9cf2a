* Charge-sharing line: rows of A_MULT outputs shared onto one line (OSA-HCIM analog path).
*
* cs_share  CS SH SHB LINE VDD VSS
*   The share switch of one row: a transmission gate (NMOS 200n, PMOS 400n, L=65n) from the held
*   sample CS to LINE, gated by SH/SHB (VDD only biases the PMOS body).
* cs_row  GBL LBL SMP SMPB SH SHB LINE VDD VSS
*   One row: an A_MULT (its sampling capacitor <c_sample>) and its share switch.
*   Probe x<row>.cs (held sample) and x<row>.aout.
* cs_line_end  LINE RST VSS
*   The line's parasitic capacitance cline = <c_line> (a plain C element; scale it with the
*   number of rows) and the reset switch (NMOS 400n) that empties the line while RST is high.
*
* Operation: RST high (line and the ADC's top plate to 0), SMP high (every row samples
*   V(GBL)*W); SMP falls (hold), RST falls, SH rises: the held charges share onto the line:
*     V(line) = c_sample * sum_rows(V(GBL_r) * W_r) / (N * c_sample + c_line + C_other)
*   (C_other: whatever else sits on the line, e.g. the SAR ADC's capacitor array).
* The rows are instantiated by the bench (its <rows> text, generated in C++ by
*   cimchar::measure::ChargeLineRows for any N), so the line is generated for any row count.
.include ../cells/a_mult.sp
.subckt cs_share cs sh shb line vdd vss
msn cs sh line vss {{nmos}} w=200e-9 l=65e-9
msp cs shb line vdd {{pmos}} w=400e-9 l=65e-9
.ends cs_share
.subckt cs_row gbl lbl smp smpb sh shb line vdd vss
xam gbl lbl smp smpb aout cs vdd vss a_mult
xsh cs sh shb line vdd vss cs_share
.ends cs_row
.subckt cs_line_end line rst vss
cline line vss {{c_line}}
mrst line rst vss vss {{nmos}} w=400e-9 l=65e-9
.ends cs_line_end
