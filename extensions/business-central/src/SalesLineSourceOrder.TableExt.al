// The order a copied line bills again or credits (codeunit 50105 stamps it while codeunit 1303 copies an invoice into
// its corrective credit memo or a Correct action's invoice, and while codeunit 1339 copies a credit memo into the
// corrective invoice that cancels it): for an invoice of several orders, whose header names none. Sales-Post builds the
// posted line with Sales Invoice Line.TransferFields(Sales Line) or Sales Cr.Memo Line.TransferFields(Sales Line),
// which copy by field number: the same number (50105) on the Sales Invoice Line (tableextension 50108) and on the
// Sales Cr.Memo Line (tableextension 50109) carries it over, and Copy Document copies it back into a further copy.
// Field 50106, on a credit memo or return order line only: the posted invoice the line was copied from.
tableextension 50107 "LSYNC Sales Line" extends "Sales Line"
{
    fields
    {
        field(50105; "LSYNC Source Order No."; Code[20])
        {
            Caption = 'Re-billed Sales Order No. (logistics-sync)';
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
