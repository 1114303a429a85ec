// The posted credit memo line's copy of Sales Line field 50105 (tableextension 50107): the order the invoice line it
// credits billed, stamped by codeunit 50105 while codeunit 1303 copies an invoice into its corrective credit memo.
// Sales-Post builds the posted line with Sales Cr.Memo Line.TransferFields(Sales Line) (InitFromSalesLine), which
// copies by field number. When the credit memo is cancelled (codeunit 1339), codeunit 50105 stamps the corrective
// invoice's copied lines from it, so an invoice of several orders is billed again order by order. Field 50106: the
// posted invoice the line was copied from, so a credit memo applied to no invoice (lines fetched with Get Posted
// Document Lines to Reverse set no Applies-to Doc. No.) still names the invoice it corrects.
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
        field(50106; "LSYNC Source Invoice No."; Code[20])
        {
            Caption = 'Credited Sales Invoice No. (logistics-sync)';
            DataClassification = CustomerContent;
            Editable = false;
        }
    }
}
