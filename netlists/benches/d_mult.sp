* NOR D_MULT: truth table and energy per evaluation.
*
* Placeholders: <models> <vdd> <temp> <c_load> (DOUT load: an adder-tree input),
*   <lblb> <gblb> the two input sources' values (PWL; LBLB = not W, GBLB = not A).
* The D_MULT has its own supply vddm, so i(vddm) is its energy alone; the inputs come from ideal
* sources (their gate charge is not counted).
{{models}}
.include ../cells/d_mult.sp
.temp {{temp}}
vddm vddm 0 {{vdd}}
vss vss 0 0
vlblb lblb 0 {{lblb}}
vgblb gblb 0 {{gblb}}
xd lblb gblb dout vddm vss d_mult
cload dout 0 {{c_load}}
.end
