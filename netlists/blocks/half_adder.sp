* 14-transistor static half adder (the two-input cell of the adder tree and the accumulator).
*
* half_adder  A B S C VDD VSS
*   C = A AND B: NAND2 (ND) and an output inverter.
*   S = A XOR B = NOR(NOR(A, B), C): NOR2 (NR) of the inputs, then NOR2 of NR and C.
*   Sizes (L=65n): as the full adder's stacks, NMOS 240n, PMOS 480n in series pairs, 240n in
*   parallel; output inverter 200n/400n.
.subckt half_adder a b s c vdd vss
* carry: nd = not(a and b), c = not nd
mp1 nd a vdd vdd {{pmos}} w=240e-9 l=65e-9
mp2 nd b vdd vdd {{pmos}} w=240e-9 l=65e-9
mn1 nd a n1 vss {{nmos}} w=240e-9 l=65e-9
mn2 n1 b vss vss {{nmos}} w=240e-9 l=65e-9
mp3 c nd vdd vdd {{pmos}} w=400e-9 l=65e-9
mn3 c nd vss vss {{nmos}} w=200e-9 l=65e-9
* nr = not(a or b)
mp4 p1 a vdd vdd {{pmos}} w=480e-9 l=65e-9
mp5 nr b p1 vdd {{pmos}} w=480e-9 l=65e-9
mn4 nr a vss vss {{nmos}} w=240e-9 l=65e-9
mn5 nr b vss vss {{nmos}} w=240e-9 l=65e-9
* s = not(nr or c)
mp6 p2 nr vdd vdd {{pmos}} w=480e-9 l=65e-9
mp7 s c p2 vdd {{pmos}} w=480e-9 l=65e-9
mn6 s nr vss vss {{nmos}} w=240e-9 l=65e-9
mn7 s c vss vss {{nmos}} w=240e-9 l=65e-9
.ends half_adder
