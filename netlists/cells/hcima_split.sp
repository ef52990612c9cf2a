* The HCIMA unit of hcima.sp with one supply per part, for energy benches.
*
* hcima_split  GBL GBLB AWL0..AWL7 DWL0..DWL7 RWEN PCHB SMP SMPB DOUT AOUT CS
*              VDDC VDDL VDDLB VDDD VDDA VSS
*   The same devices and sizes as hcima (netlists/cells/hcima.sp; change both together), with
*   the supplies split so that a bench measures each part alone:
*     VDDC   the 8 split-port cells x0..x7
*     VDDL   P0, the precharge PMOS of LBL (source and body)
*     VDDLB  P1, the precharge PMOS of LBLB (source and body)
*     VDDD   the D_MULT NOR
*     VDDA   the A_MULT (W inverter, T0's PMOS body, sampling switch's PMOS body)
*   Unlike hcima, LBL and LBLB each carry the local bit line's wire, <c_lbl> (plain C).
*   Internal LBL LBLB (probe x<unit>.lbl) and the cells' Q/QB (x<unit>.x<k>.q).
.include sram6t_sp.sp
.include d_mult.sp
.include a_mult.sp
.subckt hcima_split gbl gblb awl0 awl1 awl2 awl3 awl4 awl5 awl6 awl7
+ dwl0 dwl1 dwl2 dwl3 dwl4 dwl5 dwl6 dwl7 rwen pchb smp smpb dout aout cs
+ vddc vddl vddlb vddd vdda vss
x0 lbl lblb awl0 dwl0 vddc vss sram6t_sp
x1 lbl lblb awl1 dwl1 vddc vss sram6t_sp
x2 lbl lblb awl2 dwl2 vddc vss sram6t_sp
x3 lbl lblb awl3 dwl3 vddc vss sram6t_sp
x4 lbl lblb awl4 dwl4 vddc vss sram6t_sp
x5 lbl lblb awl5 dwl5 vddc vss sram6t_sp
x6 lbl lblb awl6 dwl6 vddc vss sram6t_sp
x7 lbl lblb awl7 dwl7 vddc vss sram6t_sp
mn0 lbl rwen gbl vss {{nmos}} w=400e-9 l=65e-9
mn1 lblb rwen gblb vss {{nmos}} w=400e-9 l=65e-9
mp0 lbl pchb vddl vddl {{pmos}} w=400e-9 l=65e-9
mp1 lblb pchb vddlb vddlb {{pmos}} w=400e-9 l=65e-9
clbl lbl vss {{c_lbl}}
clblb lblb vss {{c_lbl}}
xd lblb gblb dout vddd vss d_mult
xa gbl lbl smp smpb aout cs vdda vss a_mult
.ends hcima_split
