// The posted credit memo line's copy of Sales Line field 50105 (tableextension 50107): the order the invoice line it
// credits billed, stamped by codeunit 50105 while codeunit 1303 copies an invoice into its corrective credit memo.
// Sales-Post builds the posted line with Sales Cr.Memo Line.TransferFields(Sales Line) (InitFromSalesLine), which
// copies by field number. When the credit memo is cancelled (codeunit 1339), codeunit 50105 stamps the corrective
// invoice's copied lines from it, so an invoice of several orders is billed again order by order.
tableextension 50109 "LSYNC Sales Cr.Memo Line" extends "Sales Cr.Memo Line"
{
    fields
    {
        field(50105; "LSYNC Source Order No."; Code[20])
        {
            Caption = 'Credited Sales Order No. (logistics-sync)';
            DataClassification = CustomerContent;
            Editable = false;
        }
    }
}
