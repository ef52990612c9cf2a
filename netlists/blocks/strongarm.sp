* StrongARM latch comparator with a buffered NOR SR latch (used by the SAR ADC).
*
* strongarm  INP INN CLK OUT VDD VSS
*   CLK low: reset (X, Y and both latch nodes precharged to VDD; the SR latch holds the last
*     decision).
*   CLK high: evaluate; OUT = 1 when V(INP) > V(INN), else 0, held until the next evaluation.
*   Internal: X/Y (input pair drains), latch nodes outp/outn (outn falls when INP wins), the
*     buffered set/reset sp/sn and the SR latch q/qb.
* Sizing (L=65n): input pair 2u (offset from Pelgrom A_VT = 3.5 mV.um: about 10 mV sigma per
*   device); tail 2u; cross-coupled NMOS 1u, PMOS 0.5u; reset PMOS 0.4u.
* Integration capacitance: cx/cy (4 fF on X and Y) and cop/con (2 fF on the latch nodes) stand
*   for the drain-junction and wiring capacitance of a layout (the PDK cards carry no junction
*   areas, so without them X/Y would hold about 1 fF). They set how long the input pair
*   integrates its differential current before the latch regenerates (about 0.1 ns at 0.6 V):
*   with ~1 fF the nodes collapse within a few ps, the decision is made by the latch's own
*   asymmetries and the transient solver's step, not by the inputs.
* Memory: the latch nodes drive one inverter each (sp/sn), not the SR latch directly, so the
*   load on outp/outn does not depend on the previous decision. Driving a NAND SR latch
*   directly made the comparator favour its last decision by more than 10 mV when its inputs
*   float on a capacitor array (0.6 V, common mode 0.52 V).
.subckt strongarm inp inn clk out vdd vss
mtail tail clk vss vss {{nmos}} w=2e-6 l=65e-9
m1 x inp tail vss {{nmos}} w=2e-6 l=65e-9
m2 y inn tail vss {{nmos}} w=2e-6 l=65e-9
m3 outn outp x vss {{nmos}} w=1e-6 l=65e-9
m4 outp outn y vss {{nmos}} w=1e-6 l=65e-9
m5 outn outp vdd vdd {{pmos}} w=0.5e-6 l=65e-9
m6 outp outn vdd vdd {{pmos}} w=0.5e-6 l=65e-9
mr1 outn clk vdd vdd {{pmos}} w=0.4e-6 l=65e-9
mr2 outp clk vdd vdd {{pmos}} w=0.4e-6 l=65e-9
mr3 x clk vdd vdd {{pmos}} w=0.4e-6 l=65e-9
mr4 y clk vdd vdd {{pmos}} w=0.4e-6 l=65e-9
cx x vss 4e-15
cy y vss 4e-15
cop outp vss 2e-15
con outn vss 2e-15
* buffers: sp rises when outn falls (INP won), sn when outp falls
mip sp outn vdd vdd {{pmos}} w=400e-9 l=65e-9
min sp outn vss vss {{nmos}} w=200e-9 l=65e-9
mjp sn outp vdd vdd {{pmos}} w=400e-9 l=65e-9
mjn sn outp vss vss {{nmos}} w=200e-9 l=65e-9
* NOR SR latch: q = nor(sn, qb), qb = nor(sp, q); both low (reset phase) holds
mqa nqa sn vdd vdd {{pmos}} w=800e-9 l=65e-9
mqb q qb nqa vdd {{pmos}} w=800e-9 l=65e-9
mqc q sn vss vss {{nmos}} w=200e-9 l=65e-9
mqd q qb vss vss {{nmos}} w=200e-9 l=65e-9
mba nqb sp vdd vdd {{pmos}} w=800e-9 l=65e-9
mbb qb q nqb vdd {{pmos}} w=800e-9 l=65e-9
mbc qb sp vss vss {{nmos}} w=200e-9 l=65e-9
mbd qb q vss vss {{nmos}} w=200e-9 l=65e-9
* output inverter (isolates the latch from the SAR logic input): out = not qb
mo1 out qb vdd vdd {{pmos}} w=400e-9 l=65e-9
mo2 out qb vss vss {{nmos}} w=200e-9 l=65e-9
.ends strongarm
