* StrongARM latch comparator with an NAND SR latch (used by the SAR ADC).
*
* strongarm  INP INN CLK OUT VDD VSS
*   CLK low: reset (both latch nodes precharged to VDD; the SR latch holds the last decision).
*   CLK high: evaluate; OUT = 1 when V(INP) > V(INN), else 0, held until the next evaluation.
*   Internal: latch nodes outp/outn (outp high when INP wins), SR latch q/qb.
* Sizing (L=65n): input pair 2u (offset from Pelgrom A_VT = 3.5 mV.um: about 10 mV sigma per
*   device, well below a 3-bit LSB); tail 2u; cross-coupled NMOS 1u, PMOS 0.5u; reset PMOS
*   0.4u; SR-latch NAND gates 200n/400n.
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
* SR latch: q = nand(outn, qb), qb = nand(outp, q); q rises when outn falls (INP won).
mqa q outn vdd vdd {{pmos}} w=400e-9 l=65e-9
mqb q qb vdd vdd {{pmos}} w=400e-9 l=65e-9
mqc q outn nq vss {{nmos}} w=400e-9 l=65e-9
mqd nq qb vss vss {{nmos}} w=400e-9 l=65e-9
mba qb outp vdd vdd {{pmos}} w=400e-9 l=65e-9
mbb qb q vdd vdd {{pmos}} w=400e-9 l=65e-9
mbc qb outp nqb vss {{nmos}} w=400e-9 l=65e-9
mbd nqb q vss vss {{nmos}} w=400e-9 l=65e-9
* output buffer (isolates the latch from the SAR logic input)
mo1 ob q vdd vdd {{pmos}} w=400e-9 l=65e-9
mo2 ob q vss vss {{nmos}} w=200e-9 l=65e-9
mo3 out ob vdd vdd {{pmos}} w=400e-9 l=65e-9
mo4 out ob vss vss {{nmos}} w=200e-9 l=65e-9
.ends strongarm
