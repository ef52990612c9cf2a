* Row-line driver: two inverters, non-inverting (word lines DWL/AWL, the digital activation
* line GBLB, the precharge line PCHB, and the registers' clock).
*
* line_driver  IN OUT VDD VSS
*   Stage 1 200n/400n (the decoder or input latch sees one small gate), stage 2 600n/1.2u: a
*   fan-out of 3 per stage into a row-long line of about 20 fF plus the gates on it (8 access
*   transistors of a word line, 8 D_MULT inputs and 8 N1 drains on GBLB, 16 precharge PMOS on
*   PCHB). Internal node INB (probe x<driver>.inb).
.subckt line_driver in out vdd vss
mp1 inb in vdd vdd {{pmos}} w=400e-9 l=65e-9
mn1 inb in vss vss {{nmos}} w=200e-9 l=65e-9
mp2 out inb vdd vdd {{pmos}} w=1.2e-6 l=65e-9
mn2 out inb vss vss {{nmos}} w=600e-9 l=65e-9
.ends line_driver
