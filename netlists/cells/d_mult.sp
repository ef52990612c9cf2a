* NOR digital multiplier D_MULT (OSA-HCIM, Fig. 2c).
*
* d_mult  LBLB GBLB DOUT VDD VSS
*   DOUT = NOR(LBLB, GBLB). LBLB carries the inverted weight bit Wb (read on the QB port) and
*   GBLB the inverted activation bit Ab, so DOUT = W AND A.
*   Series PMOS W=400n (2x the NMOS, one stack of two) and parallel NMOS W=200n, L=65n: rise and
*   fall roughly balanced for the adder-tree input it drives.
.subckt d_mult lblb gblb dout vdd vss
mp1 n1 lblb vdd vdd {{pmos}} w=400e-9 l=65e-9
mp2 dout gblb n1 vdd {{pmos}} w=400e-9 l=65e-9
mn1 dout lblb vss vss {{nmos}} w=200e-9 l=65e-9
mn2 dout gblb vss vss {{nmos}} w=200e-9 l=65e-9
.ends d_mult
