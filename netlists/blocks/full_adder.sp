* 28-transistor mirror full adder (the cell of the digital adder tree and accumulator).
*
* full_adder  A B CI S CO VDD VSS
*   24-transistor mirror adder (carry stage 10T, sum stage 14T, both inverting) plus an output
*   inverter on each of COB and SB: 28 transistors, true outputs S and CO.
*   Sizes (L=65n): NMOS 240n, PMOS 480n in the stacks (2x for hole mobility, roughly equal
*   rise/fall with the stacks' depth); output inverters 200n/400n.
*
* The digital adder tree and the accumulator are generated from this cell and half_adder.sp
* (measure::MakeAdderTree, measure::MakeAccumulator in src/measure/digital_netlists.h).
.subckt full_adder a b ci s co vdd vss
* carry stage: cob = not(maj(a, b, ci))
mp1 p1 a vdd vdd {{pmos}} w=480e-9 l=65e-9
mp2 p1 b vdd vdd {{pmos}} w=480e-9 l=65e-9
mp3 cob ci p1 vdd {{pmos}} w=480e-9 l=65e-9
mp4 p2 a vdd vdd {{pmos}} w=480e-9 l=65e-9
mp5 cob b p2 vdd {{pmos}} w=480e-9 l=65e-9
mn1 n1 a vss vss {{nmos}} w=240e-9 l=65e-9
mn2 n1 b vss vss {{nmos}} w=240e-9 l=65e-9
mn3 cob ci n1 vss {{nmos}} w=240e-9 l=65e-9
mn4 n2 a vss vss {{nmos}} w=240e-9 l=65e-9
mn5 cob b n2 vss {{nmos}} w=240e-9 l=65e-9
* sum stage: sb = not(a xor b xor ci) via cob
mp6 p3 a vdd vdd {{pmos}} w=480e-9 l=65e-9
mp7 p3 b vdd vdd {{pmos}} w=480e-9 l=65e-9
mp8 p3 ci vdd vdd {{pmos}} w=480e-9 l=65e-9
mp9 sb cob p3 vdd {{pmos}} w=480e-9 l=65e-9
mp10 p4 a vdd vdd {{pmos}} w=480e-9 l=65e-9
mp11 p5 b p4 vdd {{pmos}} w=480e-9 l=65e-9
mp12 sb ci p5 vdd {{pmos}} w=480e-9 l=65e-9
mn6 n3 a vss vss {{nmos}} w=240e-9 l=65e-9
mn7 n3 b vss vss {{nmos}} w=240e-9 l=65e-9
mn8 n3 ci vss vss {{nmos}} w=240e-9 l=65e-9
mn9 sb cob n3 vss {{nmos}} w=240e-9 l=65e-9
mn10 n4 a vss vss {{nmos}} w=240e-9 l=65e-9
mn11 n5 b n4 vss {{nmos}} w=240e-9 l=65e-9
mn12 sb ci n5 vss {{nmos}} w=240e-9 l=65e-9
* output inverters
mp13 co cob vdd vdd {{pmos}} w=400e-9 l=65e-9
mn13 co cob vss vss {{nmos}} w=200e-9 l=65e-9
mp14 s sb vdd vdd {{pmos}} w=400e-9 l=65e-9
mn14 s sb vss vss {{nmos}} w=200e-9 l=65e-9
.ends full_adder
