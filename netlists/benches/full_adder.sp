* 28T mirror full adder: truth table and energy per evaluation (bench template).
*
* Placeholders: <models> <vdd> <temp> <c_wire> (wire on S and CO),
*   <a> <b> <ci> the three input sources' values (PWL).
* The adder under test xf has its own supply vddf, so i(vddf) is its energy alone; S and CO each
* drive one input of a load adder (xl, supply vddl, not counted) as in a ripple-carry adder
* (CO -> next CI) of the tree. The inputs come from ideal sources (their gate charge is the
* driving cell's).
{{models}}
.include ../blocks/full_adder.sp
.temp {{temp}}
vddf vddf 0 {{vdd}}
vddl vddl 0 {{vdd}}
vss vss 0 0
va a 0 {{a}}
vb b 0 {{b}}
vci ci 0 {{ci}}
xf a b ci s co vddf vss full_adder
cws s 0 {{c_wire}}
cwc co 0 {{c_wire}}
xl s vss co ls lc vddl vss full_adder
.end
