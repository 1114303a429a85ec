// GET /api/logisticsSync/shipping/v1.0/companies({id})/salesInvoiceLineOrders?$filter=documentNo eq '{number}'
// (read-only): a posted invoice's lines with the order each bills, which API v2.0's salesInvoiceLines do not serve.
// Sales-Post gives a line its Order No. when it was posted from an order or from a posted shipment line.
page 50106 "LSYNC Inv. Line Orders API"
{
    PageType = API;
    APIPublisher = 'logisticsSync';
    APIGroup = 'shipping';
    APIVersion = 'v1.0';
    EntityName = 'salesInvoiceLineOrder';
    EntitySetName = 'salesInvoiceLineOrders';
    SourceTable = "Sales Invoice Line";
    ODataKeyFields = SystemId;
    Editable = false;
    InsertAllowed = false;
    ModifyAllowed = false;
    DeleteAllowed = false;

    layout
    {
        area(Content)
        {
            repeater(Rows)
            {
                field(id; Rec.SystemId) { }
                field(documentNo; Rec."Document No.") { }
                field(lineNo; Rec."Line No.") { }
                field(orderNo; Rec."Order No.") { }
                field(sourceOrderNo; Rec."LSYNC Source Order No.") { }
                field(amount; Rec.Amount) { }
                field(amountIncludingVat; Rec."Amount Including VAT") { }
            }
        }
    }
}
