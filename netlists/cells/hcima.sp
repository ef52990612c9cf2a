* Hybrid CIM array unit HCIMA (OSA-HCIM §IV-B, Fig. 2c).
*
* hcima  GBL GBLB AWL0..AWL7 DWL0..DWL7 RWEN PCHB SMP SMPB DOUT AOUT CS VDD VSS
*   8 split-port 6T cells x0..x7 on the local pair LBL/LBLB (internal; probe x<unit>.lbl).
*   N0/N1 (gate RWEN, W=400n): connect LBL/LBLB to GBL/GBLB for ordinary read and write.
*   P0/P1 (gate PCHB, active low, W=400n): precharge LBL/LBLB to VDD before a CIM cycle.
*   D_MULT: DOUT = NOR(LBLB, GBLB) = W[i] AND A (GBLB carries the inverted activation bit).
*   A_MULT: AOUT = V(GBL) when W[k] = 1 (read on LBL), else 0; sampled onto CS by SMP/SMPB.
*   CIM cycle: PCHB low (precharge), then PCHB high with AWLk and DWLi high (k != i allowed);
*   GBL carries the DAC voltage and GBLB the inverted digital activation bit.
*   Uses <c_sample> (A_MULT's sampling capacitor).
.include sram6t_sp.sp
.include d_mult.sp
.include a_mult.sp
.subckt hcima gbl gblb awl0 awl1 awl2 awl3 awl4 awl5 awl6 awl7
+ dwl0 dwl1 dwl2 dwl3 dwl4 dwl5 dwl6 dwl7 rwen pchb smp smpb dout aout cs vdd vss
x0 lbl lblb awl0 dwl0 vdd vss sram6t_sp
x1 lbl lblb awl1 dwl1 vdd vss sram6t_sp
x2 lbl lblb awl2 dwl2 vdd vss sram6t_sp
x3 lbl lblb awl3 dwl3 vdd vss sram6t_sp
x4 lbl lblb awl4 dwl4 vdd vss sram6t_sp
x5 lbl lblb awl5 dwl5 vdd vss sram6t_sp
x6 lbl lblb awl6 dwl6 vdd vss sram6t_sp
x7 lbl lblb awl7 dwl7 vdd vss sram6t_sp
mn0 lbl rwen gbl vss {{nmos}} w=400e-9 l=65e-9
mn1 lblb rwen gblb vss {{nmos}} w=400e-9 l=65e-9
mp0 lbl pchb vdd vdd {{pmos}} w=400e-9 l=65e-9
mp1 lblb pchb vdd vdd {{pmos}} w=400e-9 l=65e-9
xd lblb gblb dout vdd vss d_mult
xa gbl lbl smp smpb aout cs vdd vss a_mult
.ends hcima
